"""Static files storage: WhiteNoise's compressed, hashed-name storage for production.

``collectstatic`` (run by the Dockerfile) writes hashed copies, their gzip/brotli versions and a
manifest; ``{% static %}`` then names the hashed copy, which WhiteNoise serves with a far-future
cache header. Where collectstatic has never run (a development checkout, the test suite, a worker
that renders no page) there is no manifest: plain names are used instead of refusing to render
every page, and runserver / the test live server serve them from the source folders.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class CompressedManifestStorage(CompressedManifestStaticFilesStorage):
    def stored_name(self, name):
        if not self.hashed_files:  # no staticfiles.json: collectstatic has not run here
            return name
        return super().stored_name(name)
