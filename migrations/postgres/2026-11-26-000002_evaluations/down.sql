DROP TABLE evaluations;
DROP TABLE baselines;
