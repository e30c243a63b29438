DROP TABLE firm_populations;
DROP TABLE call_overrides;
DROP TABLE call_checks;
ALTER TABLE calls DROP COLUMN design;
