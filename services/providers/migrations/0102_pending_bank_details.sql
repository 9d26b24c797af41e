-- Bank details a provider's own user asked for, waiting for the county's approval
-- (ApproveBankDetails). Empty IBAN: nothing pending.
ALTER TABLE providers ADD COLUMN pending_iban TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN pending_bic TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN pending_bank_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE providers ADD COLUMN pending_bank_by TEXT NOT NULL DEFAULT '';
