-- A local edit takes a clock past the latest change of its field held here
-- (`Write::record_changes`), and last-writer-wins reads that latest change
-- too: with the clock in the index both are one seek, not a walk over every
-- change of the field (one subscriber billed 1,461 periods in one issue-due:
-- 1.12 s walking, against 0.40 s before the rule). Inserts stay out of it.
DROP INDEX change_log_field;
CREATE INDEX change_log_field ON change_log (entity_id, field, hlc) WHERE op != 'insert';
