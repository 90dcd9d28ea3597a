"""The admin form of a sign-language video: the video and its captions checked by content."""

from __future__ import annotations

from typing import Any

from django import forms

from portal.accessibility.models import SignLanguageVideo
from portal.admin_tools.files import CheckedFileInput
from portal.uploads import validate_video, validate_webvtt


class SignLanguageVideoForm(forms.ModelForm):
    class Meta:
        model = SignLanguageVideo
        fields = ["topic", "video", "captions", "text_version"]
        # Admin links the current files to the views that serve them: no route serves media.
        widgets = {
            "video": CheckedFileInput("access:video"),
            "captions": CheckedFileInput("access:captions"),
        }

    def clean_video(self) -> Any:
        video = self.cleaned_data["video"]
        # A new upload has a content type of the browser's; a kept file does not need checking.
        if video and hasattr(video, "content_type"):
            self.instance.video_type = validate_video(video)
        return video

    def clean_captions(self) -> Any:
        captions = self.cleaned_data["captions"]
        if captions and hasattr(captions, "content_type"):
            validate_webvtt(captions)
        return captions
