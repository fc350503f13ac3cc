
from __future__ import annotations

__lazy_modules__ = [f"{__spec__.parent}._xdg"]  # ty: ignore[missing-union-attribute]  # imported modules have a spec

from ._xdg import expand_user
from .api import PlatformDirsABC


class IOS(PlatformDirsABC):  # ruff:ignore[too-many-public-methods]  # full directory API

    @property
    def site_data_dir(self) -> str:
        return self.user_data_dir

    @property
    def user_data_dir(self) -> str:
        return self._append_app_name_and_version(expand_user("~/Library/Application Support"), private=True)

    @property
    def site_config_dir(self) -> str:
        return self.user_config_dir

    @property
    def user_config_dir(self) -> str:
        return self.user_data_dir

    @property
    def site_cache_dir(self) -> str:
        return self.user_cache_dir

    @property
    def user_cache_dir(self) -> str:
        return self._append_app_name_and_version(expand_user("~/Library/Caches"), private=True)

    @property
    def site_state_dir(self) -> str:
        return self.user_state_dir

    @property
    def user_state_dir(self) -> str:
        return self.user_data_dir

    @property
    def site_log_dir(self) -> str:
        return self.user_log_dir

    @property
    def user_log_dir(self) -> str:
        return self._append_app_name_and_version(expand_user("~/Library/Logs"), private=True)

    @property
    def user_documents_dir(self) -> str:
        return expand_user("~/Documents")

    # The app container has Documents but no other media folder, so the rest live inside it, as Qt places them.
    @property
    def user_downloads_dir(self) -> str:
        return expand_user("~/Documents/Downloads")

    @property
    def user_pictures_dir(self) -> str:
        return expand_user("~/Documents/Pictures")

    @property
    def user_videos_dir(self) -> str:
        return expand_user("~/Documents/Movies")

    @property
    def user_music_dir(self) -> str:
        return expand_user("~/Documents/Music")

    @property
    def user_desktop_dir(self) -> str:
        return expand_user("~/Documents/Desktop")

    @property
    def user_projects_dir(self) -> str:
        return expand_user("~/Documents/Projects")

    @property
    def user_publicshare_dir(self) -> str:
        return expand_user("~/Documents/Public")

    @property
    def user_templates_dir(self) -> str:
        return expand_user("~/Documents/Templates")

    @property
    def user_fonts_dir(self) -> str:
        return expand_user("~/Library/Fonts")

    @property
    def user_preference_dir(self) -> str:
        # Apple reserves Library/Preferences for NSUserDefaults and tells apps not to create files there.
        return self.user_config_dir

    @property
    def site_bin_dir(self) -> str:
        return self.user_bin_dir

    @property
    def user_bin_dir(self) -> str:
        return expand_user("~/.local/bin")

    @property
    def site_applications_dir(self) -> str:
        return self.user_applications_dir

    @property
    def user_applications_dir(self) -> str:
        return expand_user("~/Applications")

    @property
    def site_runtime_dir(self) -> str:
        return self.user_runtime_dir

    @property
    def user_runtime_dir(self) -> str:
        return self._append_app_name_and_version(expand_user("~/tmp"), private=True)


__all__ = [
    "IOS",
]
