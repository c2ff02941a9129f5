#!/bin/sh
echo "@GREETING@"
