"""The studio: the same stages as the command line, in a browser, for the officer, the
commune leader and the loudspeaker operator, each in their role (``radio studio``)."""
