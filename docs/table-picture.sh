#!/bin/sh
# Regenerate docs/duizhaobiao.png, the README's picture of the comparison table: the DOCX
# that `policydiff table` writes, converted to PDF by LibreOffice and its first page to PNG
# by poppler. Needs: apt-get install -y --no-install-recommends libreoffice-writer
# poppler-utils fonts-wqy-zenhei
set -e
cd "$(dirname "$0")/.."
work=$(mktemp -d)
policydiff table food-safety-law --versions 1995,2009,2015 -q -o "$work/duizhaobiao.docx"
soffice --headless --convert-to pdf --outdir "$work" "$work/duizhaobiao.docx" >/dev/null
pdftoppm -png -r 80 -f 1 -l 1 -singlefile "$work/duizhaobiao.pdf" docs/duizhaobiao
rm -r "$work"
