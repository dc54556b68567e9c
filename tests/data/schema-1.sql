-- Organizer schema 1 (revision 0001) with one volunteer, as released.
-- Kept so every later version is tested upgrading it. Load with sqlite3 executescript.
BEGIN TRANSACTION;
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO "alembic_version" VALUES('0001');
CREATE TABLE assignments (
	id INTEGER NOT NULL, 
	shift_id INTEGER NOT NULL, 
	volunteer_id INTEGER NOT NULL, 
	occurrence_start DATETIME NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	attendance VARCHAR(20), 
	hours FLOAT, 
	actual_start DATETIME, 
	actual_end DATETIME, 
	override_reason TEXT NOT NULL, 
	note TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	created_by VARCHAR(120) NOT NULL, 
	updated_at DATETIME NOT NULL, 
	updated_by VARCHAR(120) NOT NULL, 
	version INTEGER NOT NULL, 
	CONSTRAINT pk_assignments PRIMARY KEY (id), 
	CONSTRAINT ck_assignments_actual_ends_after_start CHECK (actual_start IS NULL OR actual_end IS NULL OR actual_end > actual_start), 
	CONSTRAINT ck_assignments_hours_not_negative CHECK (hours IS NULL OR hours >= 0), 
	CONSTRAINT fk_assignments_shift_id_shifts FOREIGN KEY(shift_id) REFERENCES shifts (id) ON DELETE CASCADE, 
	CONSTRAINT fk_assignments_volunteer_id_volunteers FOREIGN KEY(volunteer_id) REFERENCES volunteers (id) ON DELETE RESTRICT, 
	CONSTRAINT uq_assignments_slot UNIQUE (shift_id, occurrence_start, volunteer_id), 
	CONSTRAINT ck_assignments_assignment_status CHECK (status IN ('proposed', 'invited', 'accepted', 'tentative', 'declined', 'cancelled', 'waitlisted')), 
	CONSTRAINT ck_assignments_attendance CHECK (attendance IN ('attended', 'no_show', 'excused'))
);
CREATE TABLE availability_windows (
	id INTEGER NOT NULL, 
	volunteer_id INTEGER NOT NULL, 
	weekday INTEGER NOT NULL, 
	starts TIME NOT NULL, 
	ends TIME NOT NULL, 
	CONSTRAINT pk_availability_windows PRIMARY KEY (id), 
	CONSTRAINT ck_availability_windows_ends_after_start CHECK (ends > starts), 
	CONSTRAINT ck_availability_windows_weekday_range CHECK (weekday BETWEEN 0 AND 6), 
	CONSTRAINT fk_availability_windows_volunteer_id_volunteers FOREIGN KEY(volunteer_id) REFERENCES volunteers (id) ON DELETE CASCADE
);
CREATE TABLE blackout_periods (
	id INTEGER NOT NULL, 
	volunteer_id INTEGER NOT NULL, 
	starts_on DATE NOT NULL, 
	ends_on DATE NOT NULL, 
	reason VARCHAR(200) NOT NULL, 
	CONSTRAINT pk_blackout_periods PRIMARY KEY (id), 
	CONSTRAINT ck_blackout_periods_ends_after_start CHECK (ends_on >= starts_on), 
	CONSTRAINT fk_blackout_periods_volunteer_id_volunteers FOREIGN KEY(volunteer_id) REFERENCES volunteers (id) ON DELETE CASCADE
);
CREATE TABLE causes (
	id INTEGER NOT NULL, 
	name VARCHAR(120) NOT NULL, 
	colour VARCHAR(7) NOT NULL, 
	description TEXT NOT NULL, 
	active BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	created_by VARCHAR(120) NOT NULL, 
	updated_at DATETIME NOT NULL, 
	updated_by VARCHAR(120) NOT NULL, 
	version INTEGER NOT NULL, 
	CONSTRAINT pk_causes PRIMARY KEY (id), 
	CONSTRAINT uq_causes_name UNIQUE (name)
);
CREATE TABLE change_log (
	seq INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	actor VARCHAR(120) NOT NULL, 
	action VARCHAR(20) NOT NULL, 
	entity VARCHAR(40) NOT NULL, 
	entity_id INTEGER, 
	summary TEXT NOT NULL, 
	CONSTRAINT pk_change_log PRIMARY KEY (seq)
);
INSERT INTO "change_log" VALUES(1,'2026-11-25 18:30:28.900130','release-1','create','volunteer',1,'Created volunteer “Amira Haddad”');
CREATE TABLE consent_records (
	id INTEGER NOT NULL, 
	volunteer_id INTEGER NOT NULL, 
	covers VARCHAR(200) NOT NULL, 
	given_on DATE NOT NULL, 
	withdrawn_on DATE, 
	recorded_by VARCHAR(120) NOT NULL, 
	note TEXT NOT NULL, 
	CONSTRAINT pk_consent_records PRIMARY KEY (id), 
	CONSTRAINT fk_consent_records_volunteer_id_volunteers FOREIGN KEY(volunteer_id) REFERENCES volunteers (id) ON DELETE CASCADE
);
CREATE TABLE event_exceptions (
	event_id INTEGER NOT NULL, 
	occurrence_start DATETIME NOT NULL, 
	CONSTRAINT pk_event_exceptions PRIMARY KEY (event_id, occurrence_start), 
	CONSTRAINT fk_event_exceptions_event_id_events FOREIGN KEY(event_id) REFERENCES events (id) ON DELETE CASCADE
);
CREATE TABLE events (
	id INTEGER NOT NULL, 
	uid VARCHAR(255) NOT NULL, 
	sequence INTEGER NOT NULL, 
	title VARCHAR(200) NOT NULL, 
	description TEXT NOT NULL, 
	cause_id INTEGER, 
	location_id INTEGER, 
	starts_at DATETIME NOT NULL, 
	ends_at DATETIME NOT NULL, 
	timezone VARCHAR(64) NOT NULL, 
	all_day BOOLEAN NOT NULL, 
	capacity INTEGER, 
	status VARCHAR(20) NOT NULL, 
	rrule VARCHAR(500), 
	recurrence_end DATETIME, 
	created_at DATETIME NOT NULL, 
	created_by VARCHAR(120) NOT NULL, 
	updated_at DATETIME NOT NULL, 
	updated_by VARCHAR(120) NOT NULL, 
	version INTEGER NOT NULL, 
	CONSTRAINT pk_events PRIMARY KEY (id), 
	CONSTRAINT ck_events_capacity_positive CHECK (capacity IS NULL OR capacity >= 1), 
	CONSTRAINT ck_events_ends_after_start CHECK (ends_at > starts_at), 
	CONSTRAINT ck_events_sequence_not_negative CHECK (sequence >= 0), 
	CONSTRAINT fk_events_cause_id_causes FOREIGN KEY(cause_id) REFERENCES causes (id) ON DELETE RESTRICT, 
	CONSTRAINT fk_events_location_id_locations FOREIGN KEY(location_id) REFERENCES locations (id) ON DELETE SET NULL, 
	CONSTRAINT uq_events_uid UNIQUE (uid), 
	CONSTRAINT ck_events_event_status CHECK (status IN ('draft', 'scheduled', 'cancelled'))
);
CREATE TABLE file_info (
	"key" VARCHAR(64) NOT NULL, 
	value TEXT NOT NULL, 
	CONSTRAINT pk_file_info PRIMARY KEY ("key")
);
INSERT INTO "file_info" VALUES('schema_revision','0001');
INSERT INTO "file_info" VALUES('schema_version','1');
INSERT INTO "file_info" VALUES('last_written_by_version','Organizer 0.1.0');
INSERT INTO "file_info" VALUES('migrated_at','2026-11-25T18:30:28+00:00');
INSERT INTO "file_info" VALUES('file_id','33ca5731-951c-4701-8cc3-9b17fecaef45');
INSERT INTO "file_info" VALUES('created_at','2026-11-25T18:30:28+00:00');
INSERT INTO "file_info" VALUES('created_by_version','Organizer 0.1.0');
CREATE TABLE locations (
	id INTEGER NOT NULL, 
	name VARCHAR(120) NOT NULL, 
	address TEXT NOT NULL, 
	notes TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	created_by VARCHAR(120) NOT NULL, 
	updated_at DATETIME NOT NULL, 
	updated_by VARCHAR(120) NOT NULL, 
	version INTEGER NOT NULL, 
	CONSTRAINT pk_locations PRIMARY KEY (id), 
	CONSTRAINT uq_locations_name UNIQUE (name)
);
CREATE TABLE occurrence_overrides (
	id INTEGER NOT NULL, 
	event_id INTEGER NOT NULL, 
	recurrence_id DATETIME NOT NULL, 
	starts_at DATETIME, 
	ends_at DATETIME, 
	title VARCHAR(200), 
	description TEXT, 
	location_id INTEGER, 
	status VARCHAR(20), 
	sequence INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	created_by VARCHAR(120) NOT NULL, 
	updated_at DATETIME NOT NULL, 
	updated_by VARCHAR(120) NOT NULL, 
	version INTEGER NOT NULL, 
	CONSTRAINT pk_occurrence_overrides PRIMARY KEY (id), 
	CONSTRAINT ck_occurrence_overrides_ends_after_start CHECK (starts_at IS NULL OR ends_at IS NULL OR ends_at > starts_at), 
	CONSTRAINT fk_occurrence_overrides_event_id_events FOREIGN KEY(event_id) REFERENCES events (id) ON DELETE CASCADE, 
	CONSTRAINT fk_occurrence_overrides_location_id_locations FOREIGN KEY(location_id) REFERENCES locations (id) ON DELETE SET NULL, 
	CONSTRAINT ck_occurrence_overrides_override_status CHECK (status IN ('draft', 'scheduled', 'cancelled'))
);
CREATE TABLE occurrences (
	event_id INTEGER NOT NULL, 
	recurrence_id DATETIME NOT NULL, 
	starts_at DATETIME NOT NULL, 
	ends_at DATETIME NOT NULL, 
	overridden BOOLEAN NOT NULL, 
	long BOOLEAN NOT NULL, 
	CONSTRAINT pk_occurrences PRIMARY KEY (event_id, recurrence_id), 
	CONSTRAINT fk_occurrences_event_id_events FOREIGN KEY(event_id) REFERENCES events (id) ON DELETE CASCADE
);
CREATE TABLE qualifications (
	id INTEGER NOT NULL, 
	name VARCHAR(120) NOT NULL, 
	description TEXT NOT NULL, 
	validity_months INTEGER, 
	created_at DATETIME NOT NULL, 
	created_by VARCHAR(120) NOT NULL, 
	updated_at DATETIME NOT NULL, 
	updated_by VARCHAR(120) NOT NULL, 
	version INTEGER NOT NULL, 
	CONSTRAINT pk_qualifications PRIMARY KEY (id), 
	CONSTRAINT uq_qualifications_name UNIQUE (name)
);
CREATE TABLE shifts (
	id INTEGER NOT NULL, 
	event_id INTEGER NOT NULL, 
	occurrence_start DATETIME, 
	role VARCHAR(120) NOT NULL, 
	needed INTEGER NOT NULL, 
	qualification_id INTEGER, 
	start_offset_min INTEGER, 
	end_offset_min INTEGER, 
	notes TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	created_by VARCHAR(120) NOT NULL, 
	updated_at DATETIME NOT NULL, 
	updated_by VARCHAR(120) NOT NULL, 
	version INTEGER NOT NULL, 
	CONSTRAINT pk_shifts PRIMARY KEY (id), 
	CONSTRAINT ck_shifts_needed_positive CHECK (needed >= 1), 
	CONSTRAINT ck_shifts_ends_after_start CHECK (start_offset_min IS NULL OR end_offset_min IS NULL OR end_offset_min > start_offset_min), 
	CONSTRAINT fk_shifts_event_id_events FOREIGN KEY(event_id) REFERENCES events (id) ON DELETE CASCADE, 
	CONSTRAINT fk_shifts_qualification_id_qualifications FOREIGN KEY(qualification_id) REFERENCES qualifications (id) ON DELETE SET NULL
);
CREATE TABLE volunteer_qualifications (
	volunteer_id INTEGER NOT NULL, 
	qualification_id INTEGER NOT NULL, 
	obtained_on DATE, 
	expires_on DATE, 
	CONSTRAINT pk_volunteer_qualifications PRIMARY KEY (volunteer_id, qualification_id), 
	CONSTRAINT fk_volunteer_qualifications_qualification_id_qualifications FOREIGN KEY(qualification_id) REFERENCES qualifications (id) ON DELETE CASCADE, 
	CONSTRAINT fk_volunteer_qualifications_volunteer_id_volunteers FOREIGN KEY(volunteer_id) REFERENCES volunteers (id) ON DELETE CASCADE
);
CREATE TABLE volunteers (
	id INTEGER NOT NULL, 
	name VARCHAR(120) NOT NULL, 
	email VARCHAR(254), 
	phone VARCHAR(40), 
	pronouns VARCHAR(40) NOT NULL, 
	joined_on DATE NOT NULL, 
	timezone VARCHAR(64) NOT NULL, 
	notes TEXT NOT NULL, 
	emergency_contact_name VARCHAR(120) NOT NULL, 
	emergency_contact_phone VARCHAR(40) NOT NULL, 
	active BOOLEAN NOT NULL, 
	max_hours_per_week FLOAT, 
	max_hours_per_month FLOAT, 
	created_at DATETIME NOT NULL, 
	created_by VARCHAR(120) NOT NULL, 
	updated_at DATETIME NOT NULL, 
	updated_by VARCHAR(120) NOT NULL, 
	version INTEGER NOT NULL, 
	CONSTRAINT pk_volunteers PRIMARY KEY (id), 
	CONSTRAINT ck_volunteers_month_limit_positive CHECK (max_hours_per_month IS NULL OR max_hours_per_month > 0), 
	CONSTRAINT ck_volunteers_week_limit_positive CHECK (max_hours_per_week IS NULL OR max_hours_per_week > 0)
);
INSERT INTO "volunteers" VALUES(1,'Amira Haddad','amira@example.org',NULL,'','2026-03-01','Europe/London','','','',1,NULL,NULL,'2026-11-25 18:30:28.895533','release-1','2026-11-25 18:30:28.895533','release-1',1);
CREATE INDEX ix_change_log_entity ON change_log (entity, entity_id);
CREATE INDEX ix_volunteers_email ON volunteers (email);
CREATE INDEX ix_volunteers_joined_on ON volunteers (joined_on);
CREATE INDEX ix_volunteers_name ON volunteers (name);
CREATE INDEX ix_availability_windows_volunteer_id ON availability_windows (volunteer_id);
CREATE INDEX ix_blackout_periods_volunteer_id ON blackout_periods (volunteer_id);
CREATE INDEX ix_consent_records_volunteer_id ON consent_records (volunteer_id);
CREATE INDEX ix_events_cause_id ON events (cause_id);
CREATE INDEX ix_events_location_id ON events (location_id);
CREATE INDEX ix_events_recurring ON events (recurrence_end, starts_at);
CREATE INDEX ix_events_starts_at_ends_at ON events (starts_at, ends_at);
CREATE INDEX ix_volunteer_qualifications_qualification_id ON volunteer_qualifications (qualification_id);
CREATE UNIQUE INDEX ix_occurrence_overrides_event_recurrence ON occurrence_overrides (event_id, recurrence_id);
CREATE INDEX ix_occurrences_long ON occurrences (long, starts_at);
CREATE INDEX ix_occurrences_starts_at ON occurrences (starts_at);
CREATE INDEX ix_shifts_event_id ON shifts (event_id);
CREATE INDEX ix_shifts_qualification_id ON shifts (qualification_id);
CREATE INDEX ix_assignments_occurrence_start ON assignments (occurrence_start);
CREATE INDEX ix_assignments_volunteer_occurrence ON assignments (volunteer_id, occurrence_start);
COMMIT;
