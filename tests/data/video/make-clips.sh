#!/usr/bin/env bash
# Makes the committed test clips of tests/StyleGrpc.Video.Tests from tests/data/images (sources and licences in
# README.md beside this script). Run it from anywhere; it overwrites the clips. Needs ffmpeg (Debian's 5.1 was used).
# The clips are committed: the tests read them, they do not run this script. Rerunning it with another ffmpeg may
# change bytes, not what the tests check (the motions below are exact).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
images="$here/../images"
ff=(ffmpeg -nostdin -hide_banner -loglevel error -y)
x264=(-c:v libx264 -pix_fmt yuv420p -crf 18 -preset slow -movflags +faststart -map_metadata -1 -fflags +bitexact)

# pan.mp4: a 192×128 window moving right across tubingen.jpg (1024×768, not scaled) by exactly 2 px a frame:
# frame n is the crop at x = 300 + 2n, y = 320. 24 fps, 48 frames (2 s), no audio.
"${ff[@]}" -loop 1 -framerate 24 -i "$images/tubingen.jpg" \
  -vf "crop=192:128:300+2*n:320,format=yuv420p" -frames:v 48 -r 24 "${x264[@]}" "$here/pan.mp4"

# zoom.mp4: a zoom into the middle of tubingen.jpg (scale 1 → 1.47), 160×120, 24 fps, 48 frames (2 s), with a 440 Hz
# sine tone (AAC, mono, 2 s): the clip with audio.
"${ff[@]}" -loop 1 -framerate 24 -i "$images/tubingen.jpg" -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=2" \
  -vf "scale=640:480,zoompan=z='1+0.01*on':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=160x120:fps=24,format=yuv420p" \
  -t 2 -r 24 "${x264[@]}" -c:a aac -b:a 48k -ac 1 "$here/zoom.mp4"

# object.mp4: the_scream.jpg shrunk to 40×50 moving over garden.jpg (shrunk to 256×160) by (+3, +1) px a frame: frame n
# (0-based) has it at (23 + 3n, 41 + n), as measured (the overlay's n counts from 1 here). 24 fps, 36 frames (1.5 s), no audio. The overlay works in RGB: in yuv420p it would place the picture on even
# pixels only (2 and 4 px steps instead of 3).
"${ff[@]}" -loop 1 -framerate 24 -i "$images/garden.jpg" -loop 1 -framerate 24 -i "$images/the_scream.jpg" \
  -filter_complex "[0:v]scale=256:160[bg];[1:v]scale=40:50[fg];[bg][fg]overlay=x='20+3*n':y='40+n':eval=frame:format=rgb,format=yuv420p" \
  -frames:v 36 -r 24 "${x264[@]}" "$here/object.mp4"

ls -l "$here"/*.mp4
