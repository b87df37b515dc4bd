"""The workspace's routes, one module per area: sign-in, dossiers and versions, reviews, the audit log and accounts."""
from . import admin, auth, dossiers, reviews

ROUTERS = [auth.router, dossiers.router, reviews.router, admin.router]
