-- Host settings loaded from the world file: the acquirer id and the zone PIN
-- key (sealed under the host key when secret).
CREATE TABLE settings (
    name       text        PRIMARY KEY,
    value      bytea       NOT NULL,
    secret     boolean     NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL
);
