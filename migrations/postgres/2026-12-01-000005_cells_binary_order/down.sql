ALTER TABLE stat_cells
    ALTER COLUMN gender TYPE TEXT COLLATE "default",
    ALTER COLUMN background TYPE TEXT COLLATE "default",
    ALTER COLUMN age_band TYPE TEXT COLLATE "default",
    ALTER COLUMN county TYPE TEXT COLLATE "default";
