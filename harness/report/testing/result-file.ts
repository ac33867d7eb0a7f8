/** What tests read back from an Allure `*-result.json` file. */
export interface AllureResultFile {
  name: string;
  fullName: string;
  status: string;
  historyId: string;
  testCaseId: string;
  parameters: { name: string; value: string }[];
  labels: { name: string; value: string }[];
  statusDetails?: { message?: string };
}
