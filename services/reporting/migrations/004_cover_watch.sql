-- The planning run's memory: the SKU × locations whose days of cover were below their lead time on
-- the last run (a row while low). A pair that drops out of it publishes DaysOfCoverRecovered once.
CREATE TABLE cover_watch (
  sku          text NOT NULL,
  location_id  text NOT NULL,
  low_since    timestamptz NOT NULL,
  last_run_at  timestamptz NOT NULL,
  PRIMARY KEY (sku, location_id)
);
