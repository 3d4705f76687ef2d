"""EncryptedCharField: a CharField whose value is encrypted in the database (apps/core/crypto.py).

Python code sees the clear value; the column holds ``enc1:<key id>:…``. Equality lookups on the
column cannot work (a random nonce per value): look people up by their blind index instead
(evidence.validation.person_key). ``max_length`` is the clear value's; the column is wider.
"""

from django.db import models

from apps.core import crypto

STORED_LENGTH = 120


class EncryptedCharField(models.CharField):
    def db_type(self, connection):
        return models.CharField(max_length=STORED_LENGTH).db_type(connection)

    def cast_db_type(self, connection):
        return self.db_type(connection)

    def from_db_value(self, value, expression, connection):
        return crypto.decrypt(value) if value else value

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        if value and not crypto.is_encrypted(value):
            return crypto.encrypt(value)
        return value
