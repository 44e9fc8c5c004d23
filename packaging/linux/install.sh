#!/bin/sh
# Install cnnstudio for the current user (no root): the app in ~/.local/opt/cnnstudio, a
# `cnnstudio` command in ~/.local/bin, a menu entry with its icon, and the file types it opens
# (projects and lessons: a double-click opens them in the window).
#   ./install.sh              install (or update)
#   ./install.sh --uninstall  remove it again
set -eu
here=$(cd "$(dirname "$0")" && pwd)
id=io.github.cnnstudio.cnnstudio
data=${XDG_DATA_HOME:-$HOME/.local/share}
app=$HOME/.local/opt/cnnstudio
bin=$HOME/.local/bin

remove() {
    rm -rf "$app"
    rm -f "$bin/cnnstudio" "$data/applications/$id.desktop" "$data/metainfo/$id.metainfo.xml" \
        "$data/icons/hicolor/scalable/apps/$id.svg" "$data/icons/hicolor/256x256/apps/$id.png" \
        "$data/mime/packages/$id.xml"
}

if [ "${1:-}" = "--uninstall" ]; then
    remove
    echo "cnnstudio removed (your runs and datasets in $data/cnnstudio are kept)."
    exit 0
fi

remove
mkdir -p "$app" "$bin" "$data/applications" "$data/metainfo" "$data/mime/packages" \
    "$data/icons/hicolor/scalable/apps" "$data/icons/hicolor/256x256/apps"
cp -R "$here/cnnstudio/." "$app/"
ln -s "$app/cnnstudio" "$bin/cnnstudio"
sed "s|^Exec=cnnstudio|Exec=$app/cnnstudio|" "$here/$id.desktop" > "$data/applications/$id.desktop"
cp "$here/$id.metainfo.xml" "$data/metainfo/"
cp "$here/$id.mime.xml" "$data/mime/packages/$id.xml"
cp "$here/cnnstudio.svg" "$data/icons/hicolor/scalable/apps/$id.svg"
cp "$here/cnnstudio.png" "$data/icons/hicolor/256x256/apps/$id.png"
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
command -v update-mime-database >/dev/null && update-mime-database "$data/mime" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q "$data/icons/hicolor" 2>/dev/null || true

echo "cnnstudio is installed: find it in your applications menu, or run $bin/cnnstudio"
case ":$PATH:" in *":$bin:"*) ;; *) echo "(add $bin to your PATH to type just: cnnstudio)" ;; esac
if command -v ldconfig >/dev/null && ! ldconfig -p | grep -q libxcb-cursor.so.0; then
    echo "The window needs some X11 libraries that this system lacks. On Debian or Ubuntu:"
    echo "  sudo apt install libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1"
fi
