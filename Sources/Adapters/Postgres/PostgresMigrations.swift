/// The schema, as numbered steps embedded in the binary (no bundle resources to lose at deploy time).
///
/// Append new steps; never edit one that has shipped, because databases record the numbers they applied.
package enum PostgresMigrations {
    package struct Step: Sendable {
        package var version: Int
        package var name: String
        package var sql: String
    }

    package static let all: [Step] = [
        Step(version: 1, name: "initial schema", sql: Self.initialSchema),
        Step(version: 2, name: "bigram index for two-character CJK search", sql: Self.cjkBigrams),
        Step(version: 3, name: "bigram keys computed by the service", sql: Self.storedBigrams),
        Step(version: 4, name: "smaller GIN pending lists", sql: Self.smallerPendingLists),
        Step(version: 5, name: "read markers", sql: Self.readMarkers),
        Step(version: 6, name: "mentions by user", sql: Self.mentionsByUser),
        Step(version: 7, name: "pins", sql: Self.pins),
        Step(version: 8, name: "announcements", sql: Self.announcements),
        Step(version: 9, name: "presence across processes", sql: Self.presence),
        Step(version: 10, name: "event log behind NOTIFY", sql: Self.eventLog),
    ]

    // Choices worth knowing (docs/DATABASE.md explains them in full):
    // - incident_rooms.last_seq / rev are the per-room counters; a writer locks the room row, so numbering is
    //   decided once, at commit order, across processes.
    // - messages.content keeps text, or for incident_data the readings' JSON text as sent (key order kept for the
    //   report); messages.readings holds the same readings as jsonb for queries. metadata and file are `json`,
    //   which keeps the text (and key order) exactly as written.
    // - files and notifications carry room ids without a foreign key: they are written by separate ports and a
    //   room is never deleted.
    private static let initialSchema = """
        CREATE EXTENSION IF NOT EXISTS pg_trgm;

        CREATE TABLE users (
            user_id text PRIMARY KEY,
            display_name text NOT NULL,
            email text NOT NULL,
            is_admin boolean NOT NULL DEFAULT false,
            last_login_at timestamptz
        );

        CREATE TABLE incident_rooms (
            room_id uuid PRIMARY KEY,
            title text NOT NULL,
            incident_type text NOT NULL
                CHECK (incident_type IN ('equipment_failure', 'material_shortage', 'quality_issue', 'other')),
            severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
            status text NOT NULL CHECK (status IN ('active', 'resolved', 'archived')),
            location text NOT NULL DEFAULT '',
            description text NOT NULL DEFAULT '',
            lots text[] NOT NULL DEFAULT '{}',
            created_by text NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            resolved_at timestamptz,
            last_activity_at timestamptz NOT NULL,
            last_seq bigint NOT NULL DEFAULT 0,
            rev bigint NOT NULL DEFAULT 0
        );
        CREATE INDEX incident_rooms_activity ON incident_rooms (last_activity_at DESC, room_id DESC);

        CREATE TABLE room_members (
            room_id uuid NOT NULL REFERENCES incident_rooms (room_id) ON DELETE CASCADE,
            user_id text NOT NULL,
            display_name text NOT NULL,
            role text NOT NULL CHECK (role IN ('OWNER', 'EDITOR', 'VIEWER')),
            added_at timestamptz NOT NULL,
            position bigserial NOT NULL,
            PRIMARY KEY (room_id, user_id)
        );
        CREATE INDEX room_members_user ON room_members (user_id);

        CREATE TABLE messages (
            message_id uuid PRIMARY KEY,
            room_id uuid NOT NULL REFERENCES incident_rooms (room_id) ON DELETE CASCADE,
            sequence_number bigint NOT NULL,
            rev bigint NOT NULL,
            sender_id text NOT NULL,
            sender_display_name text NOT NULL,
            message_type text NOT NULL
                CHECK (message_type IN ('text', 'image_ref', 'file_ref', 'system', 'incident_data')),
            content text,
            readings jsonb,
            metadata json,
            mentions text[] NOT NULL DEFAULT '{}',
            file json,
            file_id uuid,
            client_id text,
            created_at timestamptz NOT NULL,
            edited_at timestamptz,
            deleted_at timestamptz,
            deleted_by text,
            CONSTRAINT messages_room_sequence UNIQUE (room_id, sequence_number),
            CONSTRAINT messages_client_id UNIQUE (room_id, sender_id, client_id)
        );
        CREATE INDEX messages_room_created ON messages (room_id, created_at DESC);
        CREATE INDEX messages_room_rev ON messages (room_id, rev);
        CREATE INDEX messages_search ON messages USING gin (content gin_trgm_ops)
            WHERE deleted_at IS NULL AND message_type <> 'incident_data';
        CREATE INDEX messages_readings ON messages USING gin (readings) WHERE readings IS NOT NULL;

        CREATE TABLE message_reactions (
            reaction_id bigserial PRIMARY KEY,
            message_id uuid NOT NULL REFERENCES messages (message_id) ON DELETE CASCADE,
            user_id text NOT NULL,
            emoji text NOT NULL,
            created_at timestamptz NOT NULL,
            CONSTRAINT message_reactions_once UNIQUE (message_id, user_id, emoji)
        );
        CREATE INDEX message_reactions_message ON message_reactions (message_id, reaction_id);

        CREATE TABLE message_edit_history (
            edit_id bigserial PRIMARY KEY,
            message_id uuid NOT NULL REFERENCES messages (message_id) ON DELETE CASCADE,
            original_content text NOT NULL,
            edited_by text NOT NULL,
            edited_at timestamptz NOT NULL
        );
        CREATE INDEX message_edit_history_message ON message_edit_history (message_id, edit_id);

        CREATE TABLE files (
            file_id uuid PRIMARY KEY,
            room_id uuid NOT NULL,
            filename text NOT NULL,
            content_type text NOT NULL,
            size bigint NOT NULL,
            file_type text NOT NULL CHECK (file_type IN ('image', 'document', 'log')),
            object_key text NOT NULL,
            uploaded_by text NOT NULL,
            uploaded_at timestamptz NOT NULL,
            deleted_at timestamptz
        );
        CREATE INDEX files_room ON files (room_id, uploaded_at DESC);

        CREATE TABLE notifications (
            notification_id uuid PRIMARY KEY,
            user_id text NOT NULL,
            kind text NOT NULL CHECK (kind IN ('mention', 'member_added', 'status_changed')),
            title text NOT NULL,
            message text NOT NULL,
            room_id uuid NOT NULL,
            reference_type text NOT NULL CHECK (reference_type IN ('message', 'room')),
            reference_id uuid NOT NULL,
            created_at timestamptz NOT NULL,
            read_at timestamptz
        );
        CREATE INDEX notifications_user ON notifications (user_id, created_at DESC, notification_id DESC);
        CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

        CREATE TABLE revoked_tokens (
            token_id text PRIMARY KEY,
            expires_at timestamptz NOT NULL
        );
        CREATE INDEX revoked_tokens_expiry ON revoked_tokens (expires_at);
        """

    // pg_trgm needs three characters; a two-character query (a common Chinese word length) yields no trigram and
    // would scan the room. This index holds every pair of adjacent non-ASCII characters of a message (lower-cased),
    // so `压力` is one index lookup; ILIKE still rechecks every hit. ASCII pairs are left out to keep the index small:
    // a two-letter English query falls back to the room scan (correct, slower). Repeated pairs are not removed: GIN
    // stores each key once per row anyway, and skipping the sort makes the function ~40 % cheaper at insert time.
    private static let cjkBigrams = """
        CREATE FUNCTION message_cjk_bigrams(content text) RETURNS text[]
        LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
            SELECT ARRAY(
                SELECT substr(folded, position, 2)
                FROM generate_series(1, char_length(folded) - 1) AS position
                WHERE ascii(substr(folded, position, 1)) > 127 AND ascii(substr(folded, position + 1, 1)) > 127
            )
            FROM lower(content) AS folded
        $$;

        CREATE INDEX messages_search_bigrams ON messages USING gin (message_cjk_bigrams(content))
            WHERE deleted_at IS NULL AND message_type <> 'incident_data';
        """

    // Step 2's index evaluated its SQL function for every inserted row, the largest single cost of an insert. The
    // service now writes the same keys (PostgresSearchBigrams) into a column; the backfill uses the old function
    // once, then it goes.
    private static let storedBigrams = """
        ALTER TABLE messages ADD COLUMN search_bigrams text[];
        UPDATE messages SET search_bigrams = NULLIF(message_cjk_bigrams(content), '{}')
            WHERE deleted_at IS NULL AND message_type <> 'incident_data' AND content ~ '[^\\x01-\\x7f]{2}';
        CREATE INDEX messages_search_bigram_keys ON messages USING gin (search_bigrams)
            WHERE deleted_at IS NULL AND message_type <> 'incident_data';
        DROP INDEX messages_search_bigrams;
        DROP FUNCTION message_cjk_bigrams(text);
        """

    // A GIN index collects new entries in a pending list and merges it into the index when it passes
    // gin_pending_list_limit (4 MB by default), inside whichever INSERT crosses the limit. For a busy room that INSERT
    // holds the room's row lock: a 40-60 ms merge every second or so at 5 000 messages/s, which set the room's p99.
    // At 512 kB the merges come eight times as often and take a few milliseconds each, for about the same total work
    // (docs/PERFORMANCE.md, "Service, end to end").
    private static let smallerPendingLists = """
        ALTER INDEX messages_search SET (gin_pending_list_limit = 512);
        ALTER INDEX messages_search_bigram_keys SET (gin_pending_list_limit = 512);
        ALTER INDEX messages_readings SET (gin_pending_list_limit = 512);
        """

    // Revision 2 of the API (docs/DATABASE.md, "Read markers, mentions, pins, announcements").
    //
    // One marker per (room, user): the highest sequence number read. Unread counts are never counted message by
    // message: sequence numbers have no gaps, so `last_seq - last_read_seq` messages lie after a marker, and only the
    // few of them that must not count are counted, each with an index range scan that starts at the marker: the
    // deleted ones (a partial index of deleted messages) and the reader's own (by room, sender, number). Sending moves
    // the sender's marker to their message, so the markers of an existing installation start where that rule would
    // have put them: at each sender's last message in each room (and the mention notifications they pass are read).
    // Own messages after a marker then stay rare, which keeps the second count short.
    private static let readMarkers = """
        CREATE TABLE read_markers (
            room_id uuid NOT NULL REFERENCES incident_rooms (room_id) ON DELETE CASCADE,
            user_id text NOT NULL,
            last_read_seq bigint NOT NULL CHECK (last_read_seq >= 0),
            read_at timestamptz NOT NULL,
            PRIMARY KEY (room_id, user_id)
        );
        CREATE INDEX messages_room_sender_sequence ON messages (room_id, sender_id, sequence_number);
        CREATE INDEX messages_room_deleted ON messages (room_id, sequence_number) WHERE deleted_at IS NOT NULL;
        CREATE INDEX notifications_unread_mentions ON notifications (user_id, room_id)
            WHERE read_at IS NULL AND kind = 'mention';

        INSERT INTO read_markers (room_id, user_id, last_read_seq, read_at)
        SELECT room_id, sender_id, max(sequence_number), max(created_at) FROM messages GROUP BY room_id, sender_id;
        UPDATE notifications n SET read_at = rk.read_at
        FROM read_markers rk, messages m
        WHERE n.kind = 'mention' AND n.read_at IS NULL AND rk.room_id = n.room_id AND rk.user_id = n.user_id
            AND m.message_id = n.reference_id AND m.sequence_number <= rk.last_read_seq;
        """

    // Who is mentioned where, kept by triggers in step with messages.mentions (inserts, edits that change the
    // mentions, deletions): a message's row per mentioned user, while the message is not deleted. It answers the
    // mention counts of the room list (by user, room, number after the marker), `GET /api/mentions` (by user, newest
    // first) and `?mentions=` on history without scanning messages. Only messages with mentions fire the insert
    // trigger (its WHEN is checked per row, before any function runs), so the common message costs nothing more.
    private static let mentionsByUser = """
        CREATE TABLE message_mentions (
            user_id text NOT NULL,
            room_id uuid NOT NULL,
            sequence_number bigint NOT NULL,
            message_id uuid NOT NULL,
            sender_id text NOT NULL,
            created_at timestamptz NOT NULL,
            PRIMARY KEY (user_id, room_id, sequence_number)
        );
        CREATE INDEX message_mentions_newest ON message_mentions (user_id, created_at DESC, message_id DESC);

        CREATE FUNCTION message_mentions_sync() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                DELETE FROM message_mentions
                WHERE user_id = ANY (OLD.mentions) AND room_id = OLD.room_id
                    AND sequence_number = OLD.sequence_number;
            END IF;
            IF NEW.deleted_at IS NULL AND cardinality(NEW.mentions) > 0 THEN
                INSERT INTO message_mentions (user_id, room_id, sequence_number, message_id, sender_id, created_at)
                SELECT DISTINCT mentioned, NEW.room_id, NEW.sequence_number, NEW.message_id, NEW.sender_id,
                    NEW.created_at
                FROM unnest(NEW.mentions) AS mentioned;
            END IF;
            RETURN NULL;
        END
        $$;
        CREATE TRIGGER messages_mentions_inserted AFTER INSERT ON messages
            FOR EACH ROW WHEN (cardinality(NEW.mentions) > 0) EXECUTE FUNCTION message_mentions_sync();
        CREATE TRIGGER messages_mentions_changed AFTER UPDATE OF mentions, deleted_at ON messages
            FOR EACH ROW WHEN (OLD.mentions IS DISTINCT FROM NEW.mentions OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
            EXECUTE FUNCTION message_mentions_sync();

        INSERT INTO message_mentions (user_id, room_id, sequence_number, message_id, sender_id, created_at)
        SELECT DISTINCT mentioned, m.room_id, m.sequence_number, m.message_id, m.sender_id, m.created_at
        FROM messages m CROSS JOIN LATERAL unnest(m.mentions) AS mentioned
        WHERE m.deleted_at IS NULL AND cardinality(m.mentions) > 0;
        """

    // Nullable columns without defaults: adding them rewrites nothing. `pin_rev` is the room revision of the last
    // pin change, so catch-up can replay a pin that a later reaction's revision would hide.
    private static let pins = """
        ALTER TABLE messages ADD COLUMN pinned_at timestamptz, ADD COLUMN pinned_by text, ADD COLUMN pin_rev bigint;
        CREATE INDEX messages_room_pinned ON messages (room_id, sequence_number) WHERE pinned_at IS NOT NULL;
        """

    private static let announcements = """
        CREATE TABLE announcements (
            announcement_id uuid PRIMARY KEY,
            message text NOT NULL,
            severity text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
            created_by text NOT NULL,
            created_at timestamptz NOT NULL
        );
        CREATE INDEX announcements_recent ON announcements (created_at DESC, announcement_id DESC);
        """

    // Presence shared by the server processes (PostgresPresenceRegistry). Unlogged: no WAL for rows that change at
    // every connect and heartbeat, and after a database crash the tables come back empty, which is right for
    // presence (each process writes its connections again at its next heartbeat). No foreign keys to rooms: the rows
    // are gone within 30 s of their process, and a connection row must never block a room change.
    private static let presence = """
        CREATE UNLOGGED TABLE presence_processes (
            process_id uuid PRIMARY KEY,
            heartbeat_at timestamptz NOT NULL
        );
        CREATE UNLOGGED TABLE presence_members (
            room_id uuid NOT NULL,
            user_id text NOT NULL,
            display_name text NOT NULL,
            since timestamptz NOT NULL,
            PRIMARY KEY (room_id, user_id)
        );
        CREATE UNLOGGED TABLE presence_connections (
            process_id uuid NOT NULL REFERENCES presence_processes (process_id),
            connection_id bigint NOT NULL,
            room_id uuid NOT NULL,
            user_id text NOT NULL,
            PRIMARY KEY (process_id, connection_id)
        );
        CREATE INDEX presence_connections_member ON presence_connections (room_id, user_id);
        CREATE UNLOGGED TABLE presence_typing (
            room_id uuid NOT NULL,
            user_id text NOT NULL,
            display_name text NOT NULL,
            refreshed_at timestamptz NOT NULL,
            PRIMARY KEY (room_id, user_id)
        );
        CREATE INDEX presence_typing_refreshed ON presence_typing (refreshed_at);
        """

    // What PostgresEventBus NOTIFYs, kept 10 minutes: a listener that reconnects replays what it missed, and a
    // payload too large for NOTIFY travels as its id. Unlogged: live events are not data (a crash loses at most
    // what catch-up by rev restores anyway), and the table is written at every publish.
    private static let eventLog = """
        CREATE UNLOGGED TABLE room_event_log (
            id bigserial PRIMARY KEY,
            origin text NOT NULL,
            payload text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX room_event_log_created ON room_event_log (created_at);
        """
}
