-- An order's end (fulfilled or released) as it arrived, whether or not its lines have arrived yet:
-- a line placed later takes it, so OrderCompleted before OrderReserved still ends fulfilled.
CREATE TABLE order_close (
  order_id        text PRIMARY KEY,
  -- fulfilled | released
  status          text NOT NULL,
  closed_at       timestamptz NOT NULL,
  release_reason  text
);
