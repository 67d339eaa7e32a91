{{- define "dup.who" }}a{{ end -}}
