-- Rate limits every server counts together (log-in and sign-up attempts):
-- one row per limited key (a hash: no address or username in clear) with
-- its theoretical arrival time, as in the GCRA algorithm.
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    tat TIMESTAMPTZ NOT NULL
);
CREATE INDEX rate_limits_tat ON rate_limits (tat);
