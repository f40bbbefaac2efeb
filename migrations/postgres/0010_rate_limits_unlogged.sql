-- Every API request is now counted here (per key and per address), not
-- only log-in attempts: the table skips the write-ahead log, so counting
-- costs no disk flush. A crash empties it, which only resets the limits.
ALTER TABLE rate_limits SET UNLOGGED;
