-- A Kela absence notice marked sent on an earlier day than the day it was marked carries the
-- reason given for it (issue 30: a back-dated `sent_on` must not hide a late notice silently).
-- Empty for notices marked on the day they were sent, and for those marked before this
-- migration. An older release ignores the column.
ALTER TABLE kela_notices_sent ADD COLUMN backdated_reason TEXT NOT NULL DEFAULT '';
