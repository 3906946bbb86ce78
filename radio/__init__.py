"""radio: the commune loudspeaker programme studio for administrative-reform (CCHC) columns."""
import os
import warnings

__version__ = "0.1.0"

# pydub looks for ffmpeg on PATH when imported and warns if absent; radio points pydub at
# the ffmpeg binary shipped by imageio-ffmpeg instead (radio.audio.ffmpeg), so the warning
# would only mislead the officer.
warnings.filterwarnings("ignore", message="Couldn't find ff", category=RuntimeWarning)

# Pydantic looks through every installed package for its plugins (a tenth of `radio status`);
# radio uses none, and the setting leaves a user's own choice alone.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
