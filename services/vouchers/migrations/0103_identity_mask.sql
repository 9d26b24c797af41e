-- The masked identity code no longer shows the birth date (issue 14, least data): only the
-- century sign and the check character, e.g. `******-***A`. Codes are stored validated, 11
-- characters: the sign is the 7th, the check character the 11th.
UPDATE clients
SET identity_code_masked = '******' || substr(identity_code, 7, 1) || '***' || substr(identity_code, 11, 1)
WHERE length(identity_code) = 11;
