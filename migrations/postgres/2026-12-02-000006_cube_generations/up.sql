-- Generations of the statistics cube, so that a server can keep an organisation's cube in
-- memory and refresh it by reading only the cells written since (storage::cube_cache).
-- Every write of cells bumps `generation` of its (organisation, scheme) and stamps the cells it
-- writes with it; emptied cells stay as zero rows with the new generation, so a refresh sees
-- them go. `cleared_at` is the generation at which the scheme's cells were last removed
-- wholesale (before a rebuild): a copy older than that reloads everything.
CREATE TABLE cube_generations (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    scheme_id BIGINT NOT NULL REFERENCES tag_schemes(id),
    generation BIGINT NOT NULL,
    cleared_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, scheme_id)
);
ALTER TABLE stat_cells ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;
CREATE INDEX stat_cells_by_generation ON stat_cells (org_id, scheme_id, generation);
