// The only module that touches @vscode/webview-ui-toolkit (archived upstream in 2025): swapping to
// @vscode-elements/elements later changes this file alone.
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeProgressRing,
} from '@vscode/webview-ui-toolkit';

export function registerToolkit(): void {
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeCheckbox(), vsCodeDropdown(), vsCodeOption(), vsCodeProgressRing());
}

export const tags = {
  button: 'vscode-button',
  checkbox: 'vscode-checkbox',
  dropdown: 'vscode-dropdown',
  option: 'vscode-option',
  progress: 'vscode-progress-ring',
} as const;
