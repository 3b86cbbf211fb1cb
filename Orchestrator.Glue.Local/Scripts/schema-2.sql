-- Schema 2: restarts and interruptions of job runs and crawls taken over from a process that is gone.

ALTER TABLE job_runs ADD COLUMN restarts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE job_runs ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE crawls ADD COLUMN restarts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE crawls ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
