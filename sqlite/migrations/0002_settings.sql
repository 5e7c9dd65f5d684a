-- Host settings loaded from the world file: the acquirer id and the zone PIN
-- key (sealed under the host key when secret).
CREATE TABLE settings (
	name       TEXT    PRIMARY KEY,
	value      BLOB    NOT NULL,
	secret     INTEGER NOT NULL DEFAULT 0,
	updated_at INTEGER NOT NULL
);
