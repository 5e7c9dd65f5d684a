-- A case about something other than one transaction (a terminal batch whose
-- upload differs from the journal: "batch-upload/{terminal}/{batch}") names
-- its subject; opening is idempotent per kind and subject, as it is per kind
-- and transaction, so a repeated upload after a restart, or on another
-- instance, finds the case opened the first time.
ALTER TABLE cases ADD COLUMN subject TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX cases_kind_subject ON cases (kind, subject) WHERE subject <> '';
