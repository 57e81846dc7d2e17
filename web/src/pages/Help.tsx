import { Link } from 'react-router';
import { ROLES } from '../api/types.ts';
import { ROLE_DESCRIPTIONS } from '../auth/permissions.ts';
import { PageHeader } from '../components/ui.tsx';
import { useTitle } from '../lib/hooks.ts';

export default function Help() {
  useTitle('Help');
  return (
    <>
      <PageHeader title="Help" />
      <div className="prose">
        <section className="card" aria-labelledby="help-start">
          <h2 id="help-start">Getting around</h2>
          <ul>
            <li>
              <Link to="/">Dashboard</Link>: the key figures, low and out-of-stock counts, recent orders and
              the movement trend. Figures refresh every few seconds while the page is visible.
            </li>
            <li>
              <Link to="/inventory">Inventory</Link>: every product with its stock. Search by name or SKU,
              filter by category or stock status, sort by any column. Open a product for its images, stock per
              location, movement history and chart.
            </li>
            <li>
              <Link to="/orders">Orders</Link>: orders from the shop with their status; an order shows each
              step of its processing (reserve, wait for fulfilment, commit or release).
            </li>
            <li>
              <Link to="/purchasing/orders">Purchasing</Link>: purchase orders, suppliers and reorder rules
              (see below).
            </li>
            <li>
              <Link to="/reports">Reports</Link>: stock levels, valuation and movements; download the
              inventory as CSV.
            </li>
            <li>
              <Link to="/alerts">Alerts</Link>: every alert sent to you, newest first (the bell in the header
              shows the latest).
            </li>
            <li>
              <Link to="/settings">Settings</Link>: your profile and phone number, your notification
              preferences; administrators manage users and their roles, and the notification defaults.
            </li>
          </ul>
        </section>
        <section className="card" aria-labelledby="help-stock">
          <h2 id="help-stock">Changing stock</h2>
          <dl>
            <dt>Adjust</dt>
            <dd>
              Add or remove units for a reason (damaged, lost, found, returned, correction, cycle count). An
              adjustment cannot take on hand below what is reserved for open orders: you are told how many
              units are reserved, and nothing changes.
            </dd>
            <dt>Count</dt>
            <dd>
              Enter what you physically counted; the difference is recorded, even when it is less than what
              open orders hold. The product is then flagged <strong>short</strong> (in red), the order
              platform is told which orders are at risk, and an order whose stock is still short when it is
              fulfilled is released instead of committed.
            </dd>
            <dt>Receive</dt>
            <dd>Goods arrived: on hand goes up, and expected (incoming) units go down.</dd>
            <dt>Transfer</dt>
            <dd>Move units from one location to another.</dd>
          </dl>
          <p>
            Available = on hand − reserved − safety stock. A product is <strong>low</strong> when available is
            at or under its reorder point and <strong>out</strong> when nothing is available. Every change is
            recorded in the product's movements with who made it and why. If two people change the same stock
            at once, one of them is asked to try again: nothing is lost or counted twice.
          </p>
        </section>
        <section className="card" aria-labelledby="help-purchasing">
          <h2 id="help-purchasing">Purchasing</h2>
          <dl>
            <dt>
              <Link to="/purchasing/reorder-rules">Reorder rules</Link>
            </dt>
            <dd>
              One per product and location: a minimum, a maximum, a multiple, a preferred supplier and
              optionally a fallback supplier, an approval threshold and a snooze date. When available stock
              plus what is already on order and due within the supplier's lead time falls to the minimum, a
              purchase order is raised for the difference up to the maximum, rounded up to the rule's multiple
              and the supplier's pack size, and at least the supplier's minimum order. Orders due later than
              the lead time are shown but not counted. The <strong>Suggested</strong> column shows what would
              be ordered now. There is no forecast yet: it comes with the reporting service.
            </dd>
            <dt>Automatic purchase orders</dt>
            <dd>
              At most one open purchase order per product, location and supplier: the same low stock seen
              twice never orders twice. Managers can also create one by hand, and cancel one until it is
              received.
            </dd>
            <dt>Approval</dt>
            <dd>
              A purchase order whose total reaches the rule's approval threshold waits for a manager to
              approve or reject it. If nobody answers in time, operations are reminded, and it is cancelled
              after a longer wait.
            </dd>
            <dt>Sending to suppliers</dt>
            <dd>
              Each purchase order is sent to the supplier's webhook, signed with the supplier's own secret
              (the Standard Webhooks format), and retried with growing pauses if their system is down. The
              secret is shown once, when the supplier is created; an administrator can rotate it, and the old
              one keeps working for 24 hours. A webhook that answers “gone” (410) is switched off until its
              URL is set again.
            </dd>
            <dt>Acknowledgement</dt>
            <dd>
              The supplier answers, signed, that it accepts (acknowledged, with its reference and delivery
              date), rejects or has shipped the order. Unsigned or stale answers are refused. Without an
              answer in time, the order is sent again as a reminder, then escalated.
            </dd>
            <dt>Fallback supplier</dt>
            <dd>
              If the preferred supplier rejects the order or cannot be reached, the same quantity goes to the
              rule's fallback supplier; both orders link to each other (“replaces”, “replaced by”). With no
              fallback, the order is marked failed and operations are alerted.
            </dd>
            <dt>Receipts</dt>
            <dd>
              Warehouse staff book each delivery against its purchase order, in full or in parts: on hand goes
              up and incoming goes down. More than ordered is refused unless you confirm it (“Receive
              anyway”). A short delivery keeps the rest on order or closes the order, as the supplier's policy
              says or as you choose. Each receipt teaches the supplier's real lead time and on-time rate,
              shown on the supplier's page.
            </dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="help-notifications">
          <h2 id="help-notifications">Notifications and alerts</h2>
          <p>
            Azura watches stock, purchasing and operations and raises an alert when something needs a person:
            low stock (available at or under the reorder point, once per crossing), out of stock, back in
            stock, a shortfall after a count, a purchase order waiting for approval, failed, rejected or not
            acknowledged, a late delivery, a shipment on its way, and for administrators messages stuck in a
            dead-letter queue, ledger drift and spikes of rejected orders or expired reservations. Each alert
            says what happened, the figures (available, reserved, incoming, reorder point) and links to the
            page to act on. The same situation is alerted once, not on every stock change; when it is over
            (stock is back above the reorder point) the alert is marked resolved.
          </p>
          <dl>
            <dt>The bell</dt>
            <dd>
              The bell in the header counts your unread alerts and refreshes every few seconds while the page
              is visible, without a reload; screen readers hear new alerts announced. Open it for the ten
              newest: opening one marks it read and takes you to its page; “Mark all read” clears the count.
              “See all alerts” opens <Link to="/alerts">the alerts page</Link>, with older alerts, an “Unread
              only” filter, and resolved alerts marked as such.
            </dd>
            <dt>Email</dt>
            <dd>
              Each alert is also sent by email to the people it concerns (by default, by role: managers for
              stock and purchasing, warehouse staff for deliveries, administrators for operations).
            </dd>
            <dt>SMS (opt-in)</dt>
            <dd>
              Text messages are only sent to people who choose SMS for an alert type in their own preferences
              and have a mobile number on their profile, in international format (+ and the country code).
            </dd>
            <dt>Your preferences</dt>
            <dd>
              In <Link to="/settings#notifications">Settings → Notifications</Link>, tick the channels (email,
              SMS, in-app) per alert type; types you have not changed follow the default for your role, shown
              as inherited. Critical alerts (a purchase order that failed, an active product out of stock)
              always stay in-app, and are never held or digested. The page tells you when a channel you asked
              for is not used and why, e.g. no phone number.
            </dd>
            <dt>Quiet hours</dt>
            <dd>
              Between the start and end you choose (in your time zone, possibly over midnight), email and SMS
              for non-critical alerts are held and sent when the quiet hours end. In-app alerts arrive at
              once.
            </dd>
            <dt>Daily digest</dt>
            <dd>
              Instead of one email per alert, get non-critical email alerts grouped into one email a day at
              the hour you choose. SMS and in-app are not digested.
            </dd>
            <dt>Delivery log</dt>
            <dd>
              Managers and administrators see every delivery in{' '}
              <Link to="/notifications/deliveries">the delivery log</Link>: when, which alert, to whom, over
              which channel and what became of it (sent, held for quiet hours, waiting for the digest, failed
              after its retries, not sent and why, bounced), with the number of attempts. Open one to see the
              email or text exactly as sent.
            </dd>
            <dt>Thresholds</dt>
            <dd>
              A product's reorder point and safety stock are set on its edit page; managers and administrators
              can override them per location on the product page (“Thresholds”), or go back to the product's
              values. Low-stock alerts and the stock status use the values that apply at each location.
            </dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="help-roles">
          <h2 id="help-roles">Roles</h2>
          <ul>
            {ROLES.map((r) => (
              <li key={r}>
                <strong>{r}</strong>: {ROLE_DESCRIPTIONS[r]}
              </li>
            ))}
          </ul>
        </section>
        <section className="card" aria-labelledby="help-keys">
          <h2 id="help-keys">Keyboard</h2>
          <ul>
            <li>
              <kbd>Tab</kbd> moves between links, buttons and fields; the first <kbd>Tab</kbd> offers “Skip to
              main content”.
            </li>
            <li>
              <kbd>Enter</kbd> or <kbd>Space</kbd> activates a button; table headers sort.
            </li>
            <li>
              <kbd>Esc</kbd> closes a dialog, the alerts panel or the account menu; arrow keys move within the
              account menu.
            </li>
          </ul>
        </section>
      </div>
    </>
  );
}
