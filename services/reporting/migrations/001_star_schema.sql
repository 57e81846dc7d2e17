-- The reporting read model: a star schema fed by other services' events (idempotent upserts
-- keyed by what each fact is about), plus what the projection needs to stay correct under
-- duplicates, replays and reordering. Money is in integer minor units with its currency.

-- ---------------------------------------------------------------- dimensions

CREATE TABLE dim_product (
  sku            text PRIMARY KEY,
  name           text NOT NULL,
  category       text NOT NULL,
  price_minor    bigint,
  cost_minor     bigint,
  currency       text,
  reorder_point  integer NOT NULL DEFAULT 0,
  safety_stock   integer NOT NULL DEFAULT 0,
  status         text NOT NULL DEFAULT 'active',
  deleted        boolean NOT NULL DEFAULT false,
  -- The catalog's version: an older snapshot never overwrites a newer one.
  version        integer NOT NULL,
  updated_at     timestamptz NOT NULL
);
CREATE INDEX dim_product_category ON dim_product (category);

CREATE TABLE dim_location (
  location_id text PRIMARY KEY,
  name        text
);

CREATE TABLE dim_supplier (
  supplier_id text PRIMARY KEY,
  name        text
);

-- Days as reports group them (filled for every day a fact falls on).
CREATE TABLE dim_date (
  day        date PRIMARY KEY,
  iso_year   integer NOT NULL,
  iso_week   integer NOT NULL,
  month      text NOT NULL,      -- 'YYYY-MM'
  weekday    integer NOT NULL    -- ISO: 1 Monday … 7 Sunday
);

-- ---------------------------------------------------------------- facts

-- One ledger line per movement and level (a transfer is two: out of one location, into another).
CREATE TABLE fact_movement (
  movement_id     text NOT NULL,
  sku             text NOT NULL,
  location_id     text NOT NULL,
  kind            text NOT NULL,
  reason          text,
  reference       text,
  actor           text,
  at              timestamptz NOT NULL,
  day             date NOT NULL,
  d_on_hand       integer NOT NULL,
  d_reserved      integer NOT NULL,
  d_incoming      integer NOT NULL,
  on_hand_after   integer NOT NULL,
  reserved_after  integer NOT NULL,
  incoming_after  integer NOT NULL,
  level_version   integer NOT NULL,
  PRIMARY KEY (movement_id, sku, location_id)
);
CREATE INDEX fact_movement_sku_at ON fact_movement (sku, at);
CREATE INDEX fact_movement_day ON fact_movement (day);

-- The level now, per SKU × location (the newest levelVersion wins).
CREATE TABLE level_current (
  sku            text NOT NULL,
  location_id    text NOT NULL,
  level_version  integer NOT NULL,
  on_hand        integer NOT NULL,
  reserved       integer NOT NULL,
  incoming       integer NOT NULL,
  safety_stock   integer NOT NULL,
  available      integer NOT NULL,
  reorder_point  integer,
  updated_at     timestamptz NOT NULL,
  PRIMARY KEY (sku, location_id)
);

-- The level at the end of each day it changed (the last levelVersion of that day): stock as of a
-- date is the row of the latest day <= that date.
CREATE TABLE fact_level_daily (
  day            date NOT NULL,
  sku            text NOT NULL,
  location_id    text NOT NULL,
  level_version  integer NOT NULL,
  on_hand        integer NOT NULL,
  reserved       integer NOT NULL,
  available      integer NOT NULL,
  PRIMARY KEY (sku, location_id, day)
);
CREATE INDEX fact_level_daily_day ON fact_level_daily (day);

-- Order lines: placed (reserved), rejected (lost sales), then fulfilled or released.
CREATE TABLE fact_order_line (
  order_id      text NOT NULL,
  sku           text NOT NULL,
  quantity      integer NOT NULL,
  -- placed | rejected | fulfilled | released
  status        text NOT NULL,
  placed_at     timestamptz NOT NULL,
  placed_day    date NOT NULL,
  closed_at     timestamptz,
  release_reason text,
  PRIMARY KEY (order_id, sku)
);
CREATE INDEX fact_order_line_sku_day ON fact_order_line (sku, placed_day);
CREATE INDEX fact_order_line_day ON fact_order_line (placed_day);

-- Goods received against purchase orders.
CREATE TABLE fact_receipt (
  receipt_id        text NOT NULL,
  sku               text NOT NULL,
  purchase_order_id text NOT NULL,
  supplier_id       text NOT NULL,
  location_id       text NOT NULL,
  quantity          integer NOT NULL,
  unit_cost_minor   bigint NOT NULL,
  currency          text NOT NULL,
  at                timestamptz NOT NULL,
  day               date NOT NULL,
  lead_time_days    numeric,
  on_time           boolean,
  PRIMARY KEY (receipt_id, sku)
);

-- Purchase-order lines with what the supplier promised and what happened.
CREATE TABLE fact_po_line (
  purchase_order_id text NOT NULL,
  sku               text NOT NULL,
  supplier_id       text NOT NULL,
  location_id       text NOT NULL,
  quantity          integer NOT NULL,
  unit_cost_minor   bigint NOT NULL,
  currency          text NOT NULL,
  created_at        timestamptz NOT NULL,
  expected_by       timestamptz,
  status            text NOT NULL,
  closed_at         timestamptz,
  PRIMARY KEY (purchase_order_id, sku)
);
CREATE INDEX fact_po_line_supplier ON fact_po_line (supplier_id);

-- Reservation expiries (per line) and rejected-order shortfalls.
CREATE TABLE fact_reservation_event (
  event_id    text NOT NULL,
  sku         text NOT NULL,
  -- expired | rejected
  kind        text NOT NULL,
  quantity    integer NOT NULL,
  at          timestamptz NOT NULL,
  day         date NOT NULL,
  PRIMARY KEY (event_id, sku, kind)
);

-- ---------------------------------------------------------------- the projection's own state

-- Every event applied, once: a duplicate or replay is skipped in the same transaction.
CREATE TABLE processed_event (
  event_id     text PRIMARY KEY,
  type         text NOT NULL,
  occurred_at  timestamptz NOT NULL,
  applied_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX processed_event_occurred ON processed_event (occurred_at);
