INSERT INTO locations (id, customer_id, name, address_line1, address_line2, city, postal_code, country, tax_id, created_at) VALUES
(1, 1, 'ACME Headquarters', '100 Main Street', 'Floor 4', 'Springfield', '62701', 'US', 'US-12-3456789', '2024-01-01 10:05:00'),
(2, 1, 'ACME Warehouse East', '7 Dock Road', NULL, 'Shelbyville', '62565', 'US', NULL, '2024-01-01 10:06:00'),
(3, 2, 'TechStart Office', '1 Innovation Way', NULL, 'Austin', '73301', 'US', NULL, '2024-01-01 11:05:00');

INSERT INTO members (id, customer_id, email, name, role, subject, location_ids, created_at, live) VALUES
(1, 1, 'ops@acme.com', 'Olivia Ops', 'admin', NULL, NULL, '2024-01-01 10:10:00', 1),
(2, 1, 'bob.buyer@acme.com', 'Bob Buyer', 'buyer', NULL, '[2]', '2024-01-01 10:11:00', 1),
(3, 1, 'vera.viewer@acme.com', 'Vera Viewer', 'viewer', NULL, NULL, '2024-01-01 10:12:00', 1),
(4, 2, 'procurement@techstart.com', 'Tom Procurement', 'admin', NULL, NULL, '2024-01-01 11:10:00', 1);
