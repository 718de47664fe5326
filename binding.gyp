# The native gateway engine as a Node addon (build/Release/gatehouse.node).
# npm install runs scripts/build-native.js, which runs node-gyp on this file; a
# failed build leaves the pure-JS engine in charge. The sources are every .cc
# under native/src (the tests and fuzz targets live outside it), so a module
# added there is built without editing this file.
{
  "targets": [
    {
      "target_name": "gatehouse",
      "sources": [
        "<!@(node -p \"require('fs').readdirSync('native/src', { recursive: true }).filter((f) => f.endsWith('.cc')).sort().map((f) => 'native/src/' + f.split(require('path').sep).join('/')).join(' ')\")"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/src"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_DISABLE_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags!": ["-fexceptions", "-O3"],
      "cflags_cc!": ["-fexceptions", "-std=gnu++17", "-std=gnu++1y", "-O3"],
      "cflags": ["-O2", "-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O2", "-fno-exceptions"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "NO",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "GCC_OPTIMIZATION_LEVEL": "2"
      },
      "configurations": {
        "Release": {
          "cflags!": ["-O3"],
          "cflags_cc!": ["-O3"]
        }
      }
    }
  ]
}
