"""supervision-svc's declarative base: its tables live on their own metadata."""

from sqlalchemy.orm import DeclarativeBase

from hub.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()
