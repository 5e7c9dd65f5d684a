-- Sealed values are bound to their row from now on (associated data naming
-- the table, the row's key and the column). A store that already holds
-- values sealed without it is marked format 1: the first command that opens
-- it with its host key re-seals them all in one transaction and records
-- format 2. A store without sealed data needs nothing.
INSERT INTO settings (name, value, secret, updated_at)
SELECT 'seal.format', convert_to('1', 'UTF8'), false, now()
WHERE EXISTS (SELECT 1 FROM terminals WHERE tmk_sealed IS NOT NULL OR pik_sealed IS NOT NULL
                                         OR mak_sealed IS NOT NULL OR tdk_sealed IS NOT NULL)
   OR EXISTS (SELECT 1 FROM settings WHERE secret);
