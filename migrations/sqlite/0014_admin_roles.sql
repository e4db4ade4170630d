-- Admin roles: `admin` may change everything, `viewer` reads the panel and changes nothing (the
-- server refuses a viewer's every write). Existing admins keep their full rights.
ALTER TABLE admins ADD COLUMN role TEXT NOT NULL DEFAULT 'admin';
