{{- define "dup.who" }}b{{ end -}}
