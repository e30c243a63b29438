-- The cube's group columns hold codes ("women", "0180", "31-49"), compared byte for byte as on
-- SQLite: with the database's default (linguistic) collation PostgreSQL sorts them through
-- strcoll, which costs more than the evaluation itself once the planner prefers a sort to the
-- primary-key scan, and orders them differently from SQLite.
ALTER TABLE stat_cells
    ALTER COLUMN gender TYPE TEXT COLLATE "C",
    ALTER COLUMN background TYPE TEXT COLLATE "C",
    ALTER COLUMN age_band TYPE TEXT COLLATE "C",
    ALTER COLUMN county TYPE TEXT COLLATE "C";
