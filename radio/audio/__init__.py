"""Audio: decoding, the station's music kit, mixing, mastering and export."""
