-- A PEM file of CA certificates an SMS gateway is trusted with besides the system's CA store (a
-- provider behind a private CA); empty: the system's store only.
ALTER TABLE sms_gateways ADD COLUMN ca_file TEXT NOT NULL DEFAULT '';
