-- Pings are only ever found by (check, n): that pair becomes the key. The
-- surrogate id, its sequence and its index cost every insert on the ping
-- path and served nothing.
ALTER TABLE pings DROP COLUMN id;
DROP INDEX pings_check_n_idx;
ALTER TABLE pings ADD PRIMARY KEY (check_id, n);
