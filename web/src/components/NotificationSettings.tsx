import { type FormEvent, useId, useState } from 'react';
import { auth, notificationPreferences, users } from '../api/endpoints.ts';
import { fieldErrorsOf } from '../api/fields.ts';
import {
  ALERT_TYPES,
  type AlertType,
  CHANNELS,
  type Channel,
  type DefaultPreference,
  type Digest,
  type EffectivePreference,
  type NotificationDefaults,
  type Preference,
  type PreferencesView,
  type QuietHours,
  ROLES,
  type Role,
  type User,
  type UserPreferences,
} from '../api/types.ts';
import { useAuth } from '../auth/AuthContext.tsx';
import { ALERT_TYPE_TITLE, CHANNEL_LABEL } from '../lib/alerts.ts';
import { formatDateTime, humanize } from '../lib/format.ts';
import { useResource } from '../lib/hooks.ts';
import { FormFailure, InputField, SelectField, useFormState } from './forms.tsx';
import { messageOf, useToast } from './Toasts.tsx';
import { LoadError, Loading } from './ui.tsx';

// ------------------------------------------------------------------ profile

/** Name and phone number (E.164, for SMS alerts) of the signed-in user. */
export function ProfileForm({ user }: { user: User }) {
  const { updateUser } = useAuth();
  const toast = useToast();
  const form = useFormState(() => ({ name: user.name, phone: user.phone ?? '' }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const name = form.values.name.trim();
    const phone = form.values.phone.replace(/[\s()-]/g, '');
    const changes = {
      ...(name !== user.name ? { name } : {}),
      ...(phone !== (user.phone ?? '') ? { phone: phone || null } : {}),
    };
    const local: Record<string, string> = name ? {} : { name: 'Enter your name' };
    if (Object.keys(changes).length === 0 && !local.name) {
      toast.info('Nothing to save');
      return;
    }
    const saved = await form.save(local, async () => {
      const changed = await auth.updateMe(changes);
      updateUser(changed);
      form.set('phone', changed.phone ?? '');
    });
    if (saved) toast.success('Profile saved');
  };

  return (
    <form className="form-grid" onSubmit={(e) => void submit(e)} noValidate aria-label="Your profile">
      <InputField label="Name" autoComplete="name" {...form.field('name')} />
      <InputField
        label="Mobile phone for SMS alerts"
        type="tel"
        autoComplete="tel"
        inputMode="tel"
        placeholder="+15551234567"
        hint="International format (E.164): + and the country code. Leave empty to remove it."
        {...form.field('phone')}
      />
      <FormFailure message={form.failure} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={form.busy}>
          {form.busy ? 'Saving…' : 'Save profile'}
        </button>
      </div>
    </form>
  );
}

// ------------------------------------------------------------------ preferences

const browserTimeZone = (): string => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
};

const timeZones = (): string[] => {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  try {
    return intl.supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
};

const HOURS = Array.from({ length: 24 }, (_, h) => ({
  value: String(h),
  label: `${String(h).padStart(2, '0')}:00`,
}));

interface Draft {
  types: Partial<Record<AlertType, Preference>>;
  global: Preference;
  quiet: { on: boolean; start: string; end: string; timeZone: string };
  digest: { on: boolean; hour: string; timeZone: string };
}

function draftOf(view: PreferencesView): Draft {
  const { global, types } = view.preferences;
  const zone = browserTimeZone();
  return {
    types: structuredClone(types ?? {}),
    global: structuredClone(global ?? {}),
    quiet: {
      on: Boolean(global?.quietHours),
      start: global?.quietHours?.start ?? '22:00',
      end: global?.quietHours?.end ?? '07:00',
      timeZone: global?.quietHours?.timeZone ?? zone,
    },
    digest: {
      on: Boolean(global?.digest),
      hour: String(global?.digest?.hour ?? 8),
      timeZone: global?.digest?.timeZone ?? zone,
    },
  };
}

/** The body of the PUT: the user's own levels, global quiet hours and digest as set in the form. */
export function bodyOf(draft: Draft): UserPreferences {
  const { quietHours: _q, digest: _d, ...rest } = draft.global;
  const global: Preference = { ...rest };
  if (draft.quiet.on) {
    const quiet: QuietHours = {
      start: draft.quiet.start,
      end: draft.quiet.end,
      timeZone: draft.quiet.timeZone.trim(),
    };
    global.quietHours = quiet;
  }
  if (draft.digest.on) {
    const digest: Digest = { hour: Number(draft.digest.hour), timeZone: draft.digest.timeZone.trim() };
    global.digest = digest;
  }
  const types: Partial<Record<AlertType, Preference>> = {};
  for (const [type, pref] of Object.entries(draft.types) as [AlertType, Preference][]) {
    if (pref && Object.keys(pref).length) types[type] = pref;
  }
  return { global, types };
}

/**
 * One user's notification preferences: per alert type the channels (own choice or inherited),
 * global quiet hours and daily digest, and what the server made of them (`effective[].notes`).
 */
export function PreferencesEditor({
  load,
  save,
  subject,
}: {
  load: () => Promise<PreferencesView>;
  save: (body: UserPreferences) => Promise<PreferencesView>;
  /** Whose preferences (a name), or absent for the signed-in user's own. */
  subject?: string | undefined;
}) {
  const view = useResource(load, [load]);
  if (view.error && !view.data) return <LoadError error={view.error} retry={() => void view.reload()} />;
  if (!view.data) return <Loading label="Loading notification preferences…" />;
  return (
    <PreferencesForm
      key={`${view.data.userId}-${view.data.updatedAt ?? ''}`}
      view={view.data}
      subject={subject}
      onSave={async (body) => {
        const saved = await save(body);
        view.setData(() => saved);
      }}
    />
  );
}

function PreferencesForm({
  view,
  subject,
  onSave,
}: {
  view: PreferencesView;
  subject: string | undefined;
  onSave(body: UserPreferences): Promise<void>;
}) {
  const toast = useToast();
  const id = useId();
  const [draft, setDraft] = useState<Draft>(() => draftOf(view));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const zones = timeZones();

  const setType = (type: AlertType, pref: Preference | undefined) =>
    setDraft((d) => {
      const types = { ...d.types };
      if (pref && Object.keys(pref).length) types[type] = pref;
      else delete types[type];
      return { ...d, types };
    });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: Record<string, string> = {};
    if (draft.quiet.on && draft.quiet.start === draft.quiet.end)
      local['global.quietHours.end'] = 'Quiet hours must start and end at different times';
    if (draft.quiet.on && !draft.quiet.timeZone.trim())
      local['global.quietHours.timeZone'] = 'Enter a time zone';
    if (draft.digest.on && !draft.digest.timeZone.trim())
      local['global.digest.timeZone'] = 'Enter a time zone';
    setErrors(local);
    setFailure(null);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      await onSave(bodyOf(draft));
      toast.success(
        subject ? `Notification preferences of ${subject} saved` : 'Notification preferences saved',
      );
    } catch (e) {
      setErrors(fieldErrorsOf(e));
      setFailure(`Not saved: ${messageOf(e)}`);
    } finally {
      setBusy(false);
    }
  };

  const title = subject ? `Notification preferences of ${subject}` : 'My notification preferences';
  const errorOf = (...keys: string[]) => keys.map((k) => errors[k]).find(Boolean);

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label={title}>
      <div className="table-wrap">
        <table className="table table-cards-on-phone pref-table">
          <caption className="sr-only">
            {subject ? `Channels per alert type of ${subject}` : 'My channels per alert type'}
          </caption>
          <thead>
            <tr>
              <th scope="col">Alert</th>
              <th scope="col">Channels</th>
              <th scope="col">What happens</th>
            </tr>
          </thead>
          <tbody>
            {view.effective.map((e) => (
              <TypeRow
                key={e.type}
                effective={e}
                own={draft.types[e.type]}
                globalChannels={draft.global.channels}
                onChange={(pref) => setType(e.type, pref)}
              />
            ))}
          </tbody>
        </table>
      </div>

      <fieldset className="form-grid">
        <legend>Quiet hours (all alert types)</legend>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={draft.quiet.on}
            onChange={(e) => setDraft((d) => ({ ...d, quiet: { ...d.quiet, on: e.target.checked } }))}
          />
          Hold email and SMS during quiet hours
        </label>
        <p className="muted">
          Non-critical alerts raised between the start and the end are sent when the quiet hours end. Critical
          alerts and in-app alerts are never held.
        </p>
        {draft.quiet.on ? (
          <>
            <InputField
              label="Quiet hours start"
              type="time"
              value={draft.quiet.start}
              onChange={(v) => setDraft((d) => ({ ...d, quiet: { ...d.quiet, start: v } }))}
              error={errorOf('global.quietHours.start', 'global.quietHours')}
            />
            <InputField
              label="Quiet hours end"
              type="time"
              value={draft.quiet.end}
              onChange={(v) => setDraft((d) => ({ ...d, quiet: { ...d.quiet, end: v } }))}
              error={errorOf('global.quietHours.end')}
            />
            <InputField
              label="Quiet hours time zone"
              list={`${id}-zones`}
              value={draft.quiet.timeZone}
              onChange={(v) => setDraft((d) => ({ ...d, quiet: { ...d.quiet, timeZone: v } }))}
              error={errorOf('global.quietHours.timeZone')}
            />
          </>
        ) : null}
      </fieldset>

      <fieldset className="form-grid">
        <legend>Daily digest (email)</legend>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={draft.digest.on}
            onChange={(e) => setDraft((d) => ({ ...d, digest: { ...d.digest, on: e.target.checked } }))}
          />
          Group non-critical email alerts into one email a day
        </label>
        <p className="muted">SMS and in-app alerts are not digested; critical alerts go out at once.</p>
        {draft.digest.on ? (
          <>
            <SelectField
              label="Digest hour"
              value={draft.digest.hour}
              onChange={(v) => setDraft((d) => ({ ...d, digest: { ...d.digest, hour: v } }))}
              options={HOURS}
              error={errorOf('global.digest.hour', 'global.digest')}
            />
            <InputField
              label="Digest time zone"
              list={`${id}-zones`}
              value={draft.digest.timeZone}
              onChange={(v) => setDraft((d) => ({ ...d, digest: { ...d.digest, timeZone: v } }))}
              error={errorOf('global.digest.timeZone')}
            />
          </>
        ) : null}
      </fieldset>
      {zones.length ? (
        <datalist id={`${id}-zones`}>
          {zones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
      ) : null}

      <FormFailure message={failure} />
      <div className="form-actions">
        {view.updatedAt ? <span className="muted">Last saved {formatDateTime(view.updatedAt)}</span> : null}
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy
            ? 'Saving…'
            : subject
              ? `Save notification preferences of ${subject}`
              : 'Save my notification preferences'}
        </button>
      </div>
    </form>
  );
}

function TypeRow({
  effective: e,
  own,
  globalChannels,
  onChange,
}: {
  effective: EffectivePreference;
  own: Preference | undefined;
  globalChannels: Channel[] | undefined;
  onChange(pref: Preference | undefined): void;
}) {
  const inherited = own?.channels === undefined;
  const shown = own?.channels ?? globalChannels ?? e.channels;
  const from = globalChannels ? 'the choice for all alerts' : 'the default for the role';

  const toggle = (channel: Channel, on: boolean) => {
    const set = new Set(shown);
    if (on) set.add(channel);
    else set.delete(channel);
    onChange({ ...own, channels: CHANNELS.filter((c) => set.has(c)) });
  };
  const inheritChannels = () => {
    const { channels: _c, ...rest } = own ?? {};
    onChange(rest);
  };

  return (
    <tr>
      <th scope="row">
        {e.title}
        <div className="muted">{humanize(e.category)}</div>
        {e.critical ? <span className="badge badge-danger">Critical</span> : null}
      </th>
      <td data-label="Channels">
        <fieldset className="role-checks">
          <legend className="sr-only">Channels for {e.title}</legend>
          {CHANNELS.map((c) => {
            const keptOn = e.critical && c === 'inApp';
            return (
              <label key={c} className="checkbox">
                <input
                  type="checkbox"
                  checked={keptOn || shown.includes(c)}
                  disabled={keptOn}
                  onChange={(event) => toggle(c, event.target.checked)}
                />
                {CHANNEL_LABEL[c]}
              </label>
            );
          })}
        </fieldset>
        {inherited ? (
          <span className="inherited">Inherited from {from}</span>
        ) : (
          <button type="button" className="link-button" onClick={inheritChannels}>
            Use inherited channels for {e.title}
          </button>
        )}
      </td>
      <td data-label="What happens">
        <span>
          {e.subscribed
            ? `Received by ${e.channels.map((c) => CHANNEL_LABEL[c]).join(', ')}`
            : 'Not received'}
          {e.critical ? <span className="cell-note"> Critical: in-app always stays on.</span> : null}
        </span>
        {e.notes.length ? (
          <ul className="pref-notes">
            {e.notes.map((note) => (
              <li key={note}>{note}</li>
            ))}
          </ul>
        ) : null}
      </td>
    </tr>
  );
}

// ------------------------------------------------------------------ admins

/** Level 1: who receives each alert type by default, and over which channels. */
export function DefaultsEditor() {
  const defaults = useResource(() => notificationPreferences.defaults(), []);
  if (defaults.error && !defaults.data)
    return <LoadError error={defaults.error} retry={() => void defaults.reload()} />;
  if (!defaults.data) return <Loading label="Loading defaults…" />;
  return (
    <DefaultsForm
      initial={defaults.data}
      onSaved={(saved) => defaults.setData(() => saved)}
      key={JSON.stringify(defaults.data)}
    />
  );
}

function DefaultsForm({
  initial,
  onSaved,
}: {
  initial: NotificationDefaults;
  onSaved(saved: NotificationDefaults): void;
}) {
  const toast = useToast();
  const [types, setTypes] = useState<Record<AlertType, DefaultPreference>>(() =>
    structuredClone(initial.types),
  );
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);

  const flip = <K extends 'roles' | 'channels'>(
    type: AlertType,
    key: K,
    value: DefaultPreference[K][number],
    on: boolean,
  ) =>
    setTypes((all) => {
      const current = all[type] ?? { roles: [], channels: [] };
      const list = current[key] as string[];
      const next = on ? [...new Set([...list, value])] : list.filter((v) => v !== value);
      const order = (key === 'roles' ? ROLES : CHANNELS) as readonly string[];
      return { ...all, [type]: { ...current, [key]: order.filter((v) => next.includes(v)) } };
    });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    try {
      const saved = await notificationPreferences.putDefaults({ types });
      toast.success('Notification defaults saved');
      onSaved(saved);
    } catch (e) {
      setFailure(`Not saved: ${messageOf(e)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} aria-label="Notification defaults">
      <div className="table-wrap">
        <table className="table table-cards-on-phone pref-table">
          <caption className="sr-only">Default recipients and channels per alert type</caption>
          <thead>
            <tr>
              <th scope="col">Alert</th>
              <th scope="col">Roles</th>
              <th scope="col">Channels</th>
            </tr>
          </thead>
          <tbody>
            {ALERT_TYPES.map((type) => {
              const pref = types[type] ?? { roles: [], channels: [] };
              const title = ALERT_TYPE_TITLE[type];
              return (
                <tr key={type}>
                  <th scope="row">{title}</th>
                  <td data-label="Roles">
                    <fieldset className="role-checks">
                      <legend className="sr-only">Default roles for {title}</legend>
                      {ROLES.map((r: Role) => (
                        <label key={r} className="checkbox">
                          <input
                            type="checkbox"
                            checked={pref.roles.includes(r)}
                            onChange={(e) => flip(type, 'roles', r, e.target.checked)}
                          />
                          {r}
                        </label>
                      ))}
                    </fieldset>
                  </td>
                  <td data-label="Channels">
                    <fieldset className="role-checks">
                      <legend className="sr-only">Default channels for {title}</legend>
                      {CHANNELS.map((c) => (
                        <label key={c} className="checkbox">
                          <input
                            type="checkbox"
                            checked={pref.channels.includes(c)}
                            onChange={(e) => flip(type, 'channels', c, e.target.checked)}
                          />
                          {CHANNEL_LABEL[c]}
                        </label>
                      ))}
                    </fieldset>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="muted">SMS is only ever sent to people who chose it in their own preferences.</p>
      <FormFailure message={failure} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save defaults'}
        </button>
      </div>
    </form>
  );
}

/** An administrator edits someone else's preferences, picked from the users list. */
export function OtherUserPreferences({ self }: { self: User }) {
  const list = useResource(() => users.list(), []);
  const [userId, setUserId] = useState('');
  const others = (list.data?.items ?? []).filter((u) => u.id !== self.id);
  const chosen = others.find((u) => u.id === userId);
  const [loaders] = useState(() => new Map<string, () => Promise<PreferencesView>>());
  const loaderOf = (id: string) => {
    let loader = loaders.get(id);
    if (!loader) {
      loader = () => notificationPreferences.ofUser(id);
      loaders.set(id, loader);
    }
    return loader;
  };

  return (
    <>
      {list.error && !list.data ? <LoadError error={list.error} retry={() => void list.reload()} /> : null}
      <SelectField
        label="User"
        empty="Choose a user…"
        value={userId}
        onChange={setUserId}
        options={others.map((u) => ({ value: u.id, label: `${u.name || u.email} (${u.roles.join(', ')})` }))}
      />
      {chosen ? (
        <PreferencesEditor
          key={chosen.id}
          load={loaderOf(chosen.id)}
          save={(body) => notificationPreferences.putOfUser(chosen.id, body)}
          subject={chosen.name || chosen.email}
        />
      ) : null}
    </>
  );
}
