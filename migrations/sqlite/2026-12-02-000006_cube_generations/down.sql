DROP INDEX stat_cells_by_generation;
ALTER TABLE stat_cells DROP COLUMN generation;
DROP TABLE cube_generations;
