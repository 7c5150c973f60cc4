"""Where to save a person's copy of their care plan, and as what."""

from __future__ import annotations

from intapp.screens.save_file_dialog import SaveFileDialog


class PlanCopyDialog(SaveFileDialog):
    """HTML or Markdown, and the file; the person record saves it (`CopyActions`)."""

    TITLE_TEXT = "Copy of the care plan"
    FORMATS = (("A page to print or email (HTML)", "html"), ("Plain text (Markdown)", "md"))
    NOTE = "Only you can read the saved file; making it is audited."
