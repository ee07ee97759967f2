"""Reading net files: protobuf text with positions (textformat), Caffe's upgrades of V0/V1 files
(upgrade), and the one place files are opened (reader)."""
