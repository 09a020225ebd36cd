#!/usr/bin/env bash
# Style gate: `swift format lint --strict` with the project's .swift-format over every Swift file. Fix what it
# reports with `swift format format -i -r Sources Tests Benchmarks Package.swift`.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=/opt/swift/usr/bin:$PATH
swift format lint --strict -r Sources Tests Benchmarks Package.swift
echo "format: every Swift file follows .swift-format"
