{{- define "dup.who" }}deep{{ end -}}
