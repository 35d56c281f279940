"""The one error every backup, restore and verification step raises: its message is for the user."""


class BackupError(Exception):
    """A backup, restore or verification that cannot go on; str(error) says why, in the user's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)

    def __str__(self):
        return self.message
