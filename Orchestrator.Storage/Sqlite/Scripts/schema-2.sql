-- Schema 2: lock owners a successor can check.

-- One row per worker process attached to the store, renewed well inside the lock timeout. WorkerId is
-- "<machine>/<pid>/<process start ticks>/<instance>" and prefixes every lock token the worker writes
-- ("<WorkerId>:<token>"), so a process starting on the same machine can tell at once that the owner of a
-- lock is gone, and the locks of another machine's worker run out with its lease.
CREATE TABLE Workers (
    WorkerId         TEXT NOT NULL PRIMARY KEY,
    MachineName      TEXT NOT NULL,
    ProcessId        INTEGER NOT NULL,
    ProcessStartTime TEXT NOT NULL,
    StartedTime      TEXT NOT NULL,
    LeaseExpiration  TEXT NOT NULL
);

-- Locks by owner: released in one statement when their owner is found dead.
CREATE INDEX IX_Instances_LockedBy ON Instances (LockedBy) WHERE LockedBy IS NOT NULL;
CREATE INDEX IX_NewTasks_LockedBy ON NewTasks (LockedBy) WHERE LockedBy IS NOT NULL;
