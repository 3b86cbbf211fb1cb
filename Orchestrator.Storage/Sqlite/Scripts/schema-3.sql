-- Schema 3: listings that do not scan.
-- A dashboard lists one orchestration's instances newest first, by group and by outcome. Neither was indexable:
-- the group was an id prefix (substr() serves no index in creation order) and the outcome of a Completed instance
-- is in its custom status, so "the failed ones" read every Completed row and filtered after the query.
--
-- Both are VIRTUAL generated columns, not columns the store writes: they are derived from what every write already
-- stores (InstanceId, RuntimeStatus, CustomStatus), so no write path has to remember them, an existing store gets
-- them with ALTER TABLE in place (no table rebuild, every row kept) and they cost no space outside the indexes.
-- They stay generic, so the store knows nothing of runs or pipelines:
--   InstanceGroup: the part of InstanceId before its first '@' (a run is {pipeline}@{slot}), NULL without one.
--   Outcome:       RuntimeStatus, except that a Completed instance's custom status may report a finer one in its
--                  Status field (a string, or an integer kept as text). The json_valid guard means a custom status
--                  that is not JSON reads as "nothing reported" and never fails a write.
-- Orchestrator.Storage/Listings/InstanceGroups.cs and InstanceOutcomes.cs state the same rules in C#.
ALTER TABLE Instances ADD COLUMN InstanceGroup TEXT
    GENERATED ALWAYS AS (CASE WHEN instr(InstanceId, '@') > 0 THEN substr(InstanceId, 1, instr(InstanceId, '@') - 1) END) VIRTUAL;

ALTER TABLE Instances ADD COLUMN Outcome TEXT
    GENERATED ALWAYS AS (CASE WHEN RuntimeStatus <> 'Completed' THEN RuntimeStatus
        ELSE coalesce(CASE WHEN json_valid(CustomStatus) THEN
            CASE json_type(CustomStatus, '$.Status') WHEN 'text' THEN json_extract(CustomStatus, '$.Status')
                WHEN 'integer' THEN CAST(json_extract(CustomStatus, '$.Status') AS TEXT) END END, 'Completed') END) VIRTUAL;

-- One index per filter combination, each ending in the listing order, so every listing is an index SEARCH that
-- stops after a page (an IN list of outcomes runs as a merge of one SEARCH per outcome, still in order).
CREATE INDEX IX_Instances_Name_Created ON Instances (Name, CreatedTime DESC, InstanceId DESC);
CREATE INDEX IX_Instances_Name_Outcome_Created ON Instances (Name, Outcome, CreatedTime DESC, InstanceId DESC);
CREATE INDEX IX_Instances_Group_Name_Created ON Instances (InstanceGroup, Name, CreatedTime DESC, InstanceId DESC);
CREATE INDEX IX_Instances_Group_Name_Outcome_Created ON Instances (InstanceGroup, Name, Outcome, CreatedTime DESC, InstanceId DESC);
