-- customers.sql - the demo's customers table: 100,000 deterministic customers, plain SQL.
--
-- Run with any sqlite3 (no extension, no Python): sqlite3 shop.db < demo/customers.sql
-- Every value comes from a hash of (customer id, column number): u_k(i) is a Park-Miller step,
-- a square modulo the prime 2^31-1 (the non-linear mixing that keeps the columns independent)
-- and another Park-Miller step, scaled to [0, 1). Integer arithmetic only, so every SQLite gives
-- the same rows; scripts/train_demo_model.py runs this same file to get its training data.
--
-- Columns (recency/frequency/monetary is the classic RFM view of a customer):
--   recency    days since the last order
--   frequency  orders in the last 12 months
--   monetary   money spent in the last 12 months
--   age        years
-- The population mixes four behaviours the segmentation model should find: frequent big
-- spenders, regulars, customers drifting away, and new customers.
-- Owner: registry helper (the seed scenario).
DROP TABLE IF EXISTS customers;
CREATE TABLE customers (
    id        INTEGER PRIMARY KEY,
    recency   INTEGER NOT NULL,
    frequency INTEGER NOT NULL,
    monetary  REAL NOT NULL,
    age       INTEGER NOT NULL
);
INSERT INTO customers(id, recency, frequency, monetary, age)
WITH RECURSIVE ids(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM ids WHERE i < 100000),
u AS (SELECT i,
           (((((((((i * 7919 + 0) % 2147483646) + 1) * 48271) % 2147483647) * (((((i * 7919 + 0) % 2147483646) + 1) * 48271) % 2147483647)) % 2147483647) * 16807) % 2147483647) / 2147483647.0 AS u0,
           (((((((((i * 7919 + 104729) % 2147483646) + 1) * 48271) % 2147483647) * (((((i * 7919 + 104729) % 2147483646) + 1) * 48271) % 2147483647)) % 2147483647) * 16807) % 2147483647) / 2147483647.0 AS u1,
           (((((((((i * 7919 + 209458) % 2147483646) + 1) * 48271) % 2147483647) * (((((i * 7919 + 209458) % 2147483646) + 1) * 48271) % 2147483647)) % 2147483647) * 16807) % 2147483647) / 2147483647.0 AS u2,
           (((((((((i * 7919 + 314187) % 2147483646) + 1) * 48271) % 2147483647) * (((((i * 7919 + 314187) % 2147483646) + 1) * 48271) % 2147483647)) % 2147483647) * 16807) % 2147483647) / 2147483647.0 AS u3,
           (((((((((i * 7919 + 418916) % 2147483646) + 1) * 48271) % 2147483647) * (((((i * 7919 + 418916) % 2147483646) + 1) * 48271) % 2147483647)) % 2147483647) * 16807) % 2147483647) / 2147483647.0 AS u4,
           (((((((((i * 7919 + 523645) % 2147483646) + 1) * 48271) % 2147483647) * (((((i * 7919 + 523645) % 2147483646) + 1) * 48271) % 2147483647)) % 2147483647) * 16807) % 2147483647) / 2147483647.0 AS u5,
           (((((((((i * 7919 + 628374) % 2147483646) + 1) * 48271) % 2147483647) * (((((i * 7919 + 628374) % 2147483646) + 1) * 48271) % 2147483647)) % 2147483647) * 16807) % 2147483647) / 2147483647.0 AS u6,
           (((((((((i * 7919 + 733103) % 2147483646) + 1) * 48271) % 2147483647) * (((((i * 7919 + 733103) % 2147483646) + 1) * 48271) % 2147483647)) % 2147483647) * 16807) % 2147483647) / 2147483647.0 AS u7
      FROM ids),
c AS (SELECT i, u1, u2, u3, u4, u5, u6, u7,
             CASE WHEN u0 < 0.18 THEN 0 WHEN u0 < 0.50 THEN 1 WHEN u0 < 0.80 THEN 2 ELSE 3 END AS kind
        FROM u),
r AS (SELECT i, kind, u5, u6, u7,
             CASE kind WHEN 0 THEN 1 + CAST(20 * u1 AS INTEGER)
                       WHEN 1 THEN 10 + CAST(60 * u1 AS INTEGER)
                       WHEN 2 THEN 90 + CAST(270 * u1 AS INTEGER)
                       ELSE 1 + CAST(30 * u1 AS INTEGER) END AS recency,
             CASE kind WHEN 0 THEN 18 + CAST(25 * u2 AS INTEGER)
                       WHEN 1 THEN 5 + CAST(12 * u2 AS INTEGER)
                       WHEN 2 THEN 1 + CAST(5 * u2 AS INTEGER)
                       ELSE 1 + CAST(2 * u2 AS INTEGER) END AS frequency,
             (CASE kind WHEN 0 THEN 1.6 ELSE 1.0 END) * (20 + 60 * u3 + 90 * u4 * u4 * u4) AS basket
        FROM c)
SELECT i, recency, frequency,
       CAST(frequency * basket * 100 AS INTEGER) / 100.0,
       max(18, 18 + CAST(62 * (u5 + u6 + u7) / 3 AS INTEGER) - CASE kind WHEN 3 THEN 10 ELSE 0 END)
  FROM r;
