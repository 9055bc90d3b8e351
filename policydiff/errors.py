"""The errors policydiff raises for bad input.

Every message names the file, version or clause at fault and says what to do, so the CLI can
print it as one line (``Error: …``) with no traceback.
"""


class PolicydiffError(Exception):
    """Base class for every error caused by the user's input or data."""


class InputError(PolicydiffError):
    """A text file that cannot be used: missing, empty, binary or not in the expected encoding."""


class ManifestError(PolicydiffError):
    """A document manifest that cannot be read or does not describe its versions."""


class ChecksumError(PolicydiffError):
    """A version text whose sha256 differs from the one its manifest records."""


class UnknownDocumentError(PolicydiffError, LookupError):
    """A document name that is neither in the corpus nor a folder."""


class UnknownVersionError(PolicydiffError, LookupError):
    """A version label the document does not have, or has only as metadata."""


class ReviewError(PolicydiffError):
    """A review file that cannot be read."""


class FormatError(InputError):
    """A file or page that cannot be imported: an unsupported format, a PDF without a text
    layer, a page without a policy text, or a --start/--end marker that is not in it."""


class FetchError(PolicydiffError):
    """A download that failed: a bad URL, an HTTP error, a timeout or an oversized body."""
