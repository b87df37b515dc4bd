"""The workspace's first schema: users, login sessions and failures, dossiers and their versions, reviews and the
append-only audit log (triggers refuse UPDATE and DELETE of audit entries and changes to a version's content).

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

from engine.workspace.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = "audit entries are append-only: ParkCert never updates or deletes them"
IMMUTABLE = "a dossier version is kept unchanged: upload a new version instead"

SQLITE_TRIGGERS = [
    f"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
    f"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
    "CREATE TRIGGER dossier_versions_no_change BEFORE UPDATE OF upload, content, sha256, dossier_id, number "
    f"ON dossier_versions BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END",
    f"CREATE TRIGGER dossier_versions_no_delete BEFORE DELETE ON dossier_versions BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END",
]

POSTGRES_TRIGGERS = [
    "CREATE FUNCTION parkcert_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'insufficient_privilege'; END $$",
    f"CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW "
    f"EXECUTE FUNCTION parkcert_refuse('{APPEND_ONLY}')",
    f"CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT "
    f"EXECUTE FUNCTION parkcert_refuse('{APPEND_ONLY}')",
    "CREATE TRIGGER dossier_versions_no_change BEFORE UPDATE OF upload, content, sha256, dossier_id, number "
    f"ON dossier_versions FOR EACH ROW EXECUTE FUNCTION parkcert_refuse('{IMMUTABLE}')",
    f"CREATE TRIGGER dossier_versions_no_delete BEFORE DELETE ON dossier_versions FOR EACH ROW "
    f"EXECUTE FUNCTION parkcert_refuse('{IMMUTABLE}')",
]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("zones", sa.JSON, nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, index=True),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "login_sessions",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "dossiers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("zone_id", sa.String(64), nullable=False, index=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "dossier_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dossier_id", sa.Integer, sa.ForeignKey("dossiers.id"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("upload_name", sa.String(255), nullable=False),
        sa.Column("upload_kind", sa.String(8), nullable=False),
        sa.Column("upload", sa.LargeBinary, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("uploaded_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("dossier_id", "number"),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("dossier_versions.id"), nullable=False),
        sa.Column("program", sa.String(64), nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("lock", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("approved_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("approved_at", UTCDateTime, nullable=True),
        sa.UniqueConstraint("version_id", "program"),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object", sa.String(128), nullable=False),
        sa.Column("dossier_id", sa.Integer, nullable=True, index=True),
        sa.Column("before", sa.Text, nullable=True),
        sa.Column("after", sa.Text, nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    triggers = POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("the workspace's first schema is not downgraded: restore a backup instead")
